namespace MLRoadmap.Data;

/// <summary>Building one batch failed (reading, collating, a transform or pinning). The original exception is the
/// <see cref="Exception.InnerException"/>; the same exception comes whether the batch was built on a worker thread
/// or on the consumer's.</summary>
public sealed class DataLoaderException : Exception
{
    public DataLoaderException()
    {
    }

    public DataLoaderException(string message) : base(message)
    {
    }

    public DataLoaderException(string message, Exception innerException) : base(message, innerException)
    {
    }

    internal DataLoaderException(int epoch, int batchIndex, Exception innerException)
        : base($"building batch {batchIndex} of epoch {epoch} failed: {innerException.Message}", innerException)
    {
        Epoch = epoch;
        BatchIndex = batchIndex;
    }

    /// <summary>The epoch of the batch that failed.</summary>
    public int Epoch { get; }

    /// <summary>The index of the batch within its epoch.</summary>
    public int BatchIndex { get; }
}
