using MLRoadmap.Interop;

namespace MLRoadmap.NN;

/// <summary>
/// What LSTM, GRU and RNN share (PyTorch's RNNBase): per layer and direction, weight_ih_l{k} (gates·H, in),
/// weight_hh_l{k} (gates·H, H) and, with bias, bias_ih_l{k} and bias_hh_l{k} (gates·H); the reverse direction's
/// names end in "_reverse". Every layer and direction runs in one fused libtorch call (cuDNN on CUDA).
/// </summary>
public abstract class RNNBase : Module
{
    private readonly List<Parameter> _flatWeights = [];

    // mode: the native code (0 LSTM, 1 GRU, 2 RNN tanh, 3 RNN relu); gates: 4, 3 or 1 blocks of H rows.
    private protected RNNBase(int mode, int gates, long inputSize, long hiddenSize, long numLayers, bool bias,
        bool batchFirst, double dropout, bool bidirectional, Device? device, ScalarType? dtype)
    {
        if (hiddenSize <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "hidden_size must be greater than zero");
        if (numLayers <= 0) throw new ArgumentOutOfRangeException(nameof(numLayers), numLayers, "num_layers must be greater than zero");
        if (dropout is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout should be a number in range [0, 1]");
        Mode = mode;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        HasBias = bias;
        BatchFirst = batchFirst;
        DropoutP = dropout;
        Bidirectional = bidirectional;
        var directions = bidirectional ? 2 : 1;
        for (var layer = 0; layer < numLayers; layer++)
        {
            for (var direction = 0; direction < directions; direction++)
            {
                var layerInput = layer == 0 ? inputSize : hiddenSize * directions;
                var suffix = $"l{layer}" + (direction == 1 ? "_reverse" : "");
                Add($"weight_ih_{suffix}", [gates * hiddenSize, layerInput]);
                Add($"weight_hh_{suffix}", [gates * hiddenSize, hiddenSize]);
                if (!bias) continue;
                Add($"bias_ih_{suffix}", [gates * hiddenSize]);
                Add($"bias_hh_{suffix}", [gates * hiddenSize]);
            }
        }
        ResetParameters();

        void Add(string name, long[] shape) =>
            _flatWeights.Add(RegisterParameter(name, new Parameter(Torch.Empty(shape, dtype, device)))!);
    }

    private protected int Mode { get; }
    public long InputSize { get; }
    public long HiddenSize { get; }
    public long NumLayers { get; }
    public bool HasBias { get; }
    public bool BatchFirst { get; }
    /// <summary>Dropout on each layer's output except the last, while training.</summary>
    public double DropoutP { get; }
    public bool Bidirectional { get; }
    private protected int Directions => Bidirectional ? 2 : 1;

    /// <summary>PyTorch's default: every weight and bias uniform on ±1/√hidden_size, in registration order.</summary>
    public void ResetParameters()
    {
        var stdv = 1.0 / Math.Sqrt(HiddenSize);
        foreach (var p in Parameters()) Init.Uniform_(p, -stdv, stdv);
    }

    /// <summary>Checks the input and the initial states, adds a batch dim to unbatched ones, and makes zero states
    /// where none is given (in the current scope). Returns whether the input was batched.</summary>
    internal bool Prepare(ref Tensor input, ref Tensor? h0, ref Tensor? c0, bool lstm)
    {
        ArgumentNullException.ThrowIfNull(input);
        var x = input;
        var dims = x.Dim;
        if (dims is not (2 or 3))
            throw new ArgumentException($"{GetType().Name}: input must have 2 (unbatched) or 3 dimensions, got shape [{string.Join(", ", x.Shape)}]", nameof(input));
        if (x.Size(-1) != InputSize)
            throw new ArgumentException($"{GetType().Name}: input.size(-1) must be equal to input_size. Expected {InputSize}, got {x.Size(-1)}", nameof(input));
        var batched = dims == 3;
        if (!batched) x = x.Unsqueeze(BatchFirst ? 0 : 1);
        var batch = x.Size(BatchFirst ? 0 : 1);
        long[] stateShape = [NumLayers * Directions, batch, HiddenSize];
        h0 = State(h0, "h_0");
        if (lstm) c0 = State(c0, "c_0");
        input = x;
        return batched;

        Tensor State(Tensor? given, string name)
        {
            if (given is null) return Torch.Zeros(stateShape, x.Dtype, x.Device);
            if (given.Dim != (batched ? 3 : 2))
                throw new ArgumentException($"{GetType().Name}: for {(batched ? "batched 3-D" : "unbatched 2-D")} input, {name} should be {(batched ? 3 : 2)}-D but got {given.Dim}-D", name);
            var state = batched ? given : given.Unsqueeze(1);
            if (!state.Shape.AsSpan().SequenceEqual(stateShape))
                throw new ArgumentException($"{GetType().Name}: expected {name} of size [{string.Join(", ", stateShape)}], got [{string.Join(", ", state.Shape)}]", name);
            return state;
        }
    }

    /// <summary>The fused call. Returns output (T, N, D·H) or batch-first, h_n (and c_n) (layers·D, N, H).</summary>
    internal unsafe (Tensor Output, Tensor H, Tensor? C) Run(Tensor input, Tensor h0, Tensor? c0)
    {
        var handles = Tensor.Handles(_flatWeights.Cast<Tensor>().ToArray());
        TensorHandle output, hy;
        IntPtr cy = IntPtr.Zero;
        fixed (IntPtr* p = handles)
            Native.Check(Native.mlr_nn_rnn_forward(Mode, input.Handle, h0.Handle, Functional.Raw(c0), p, handles.Length,
                HasBias ? 1 : 0, NumLayers, DropoutP, IsTraining ? 1 : 0, Bidirectional ? 1 : 0, BatchFirst ? 1 : 0,
                out output, out hy, c0 is null ? null : &cy));
        GC.KeepAlive(c0);
        GC.KeepAlive(_flatWeights);
        return (new Tensor(output), new Tensor(hy), Tensor.Wrap(cy));
    }

    /// <summary>The fused call over a packed batch: the packed output (same batch sizes and permutations) and each
    /// sequence's state after its own last step, (layers·D, N, H) in the caller's batch order. h0 and c0, when given,
    /// are (layers·D, N, H) in that order too; null ones start at zero.</summary>
    private protected unsafe (PackedSequence Output, Tensor H, Tensor? C) RunPacked(PackedSequence input, Tensor? h0, Tensor? c0, bool lstm)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = input.Data.Shape;
        if (shape.Length != 2)
            throw new ArgumentException($"{GetType().Name}: packed input data must be 2-D (rows, input_size), got shape [{string.Join(", ", shape)}]", nameof(input));
        if (shape[1] != InputSize)
            throw new ArgumentException($"{GetType().Name}: input.size(-1) must be equal to input_size. Expected {InputSize}, got {shape[1]}", nameof(input));
        var handles = Tensor.Handles(_flatWeights.Cast<Tensor>().ToArray());
        TensorHandle output, hy;
        IntPtr cy = IntPtr.Zero;
        fixed (IntPtr* p = handles)
            Native.Check(Native.mlr_nn_rnn_forward_packed(Mode, input.Data.Handle, input.BatchSizes.Handle, input.RawSorted,
                input.RawUnsorted, Functional.Raw(h0), Functional.Raw(c0), p, handles.Length, HasBias ? 1 : 0, NumLayers,
                DropoutP, IsTraining ? 1 : 0, Bidirectional ? 1 : 0, HiddenSize, out output, out hy, lstm ? &cy : null));
        input.KeepAlive();
        GC.KeepAlive(h0);
        GC.KeepAlive(c0);
        GC.KeepAlive(_flatWeights);
        var h = new Tensor(hy);
        var c = Tensor.Wrap(cy);
        return (input.WithData(new Tensor(output)), h, c);
    }

    /// <summary>GRU and RNN: one state, no cell.</summary>
    private protected (Tensor Output, Tensor H) RunWithoutCell(Tensor input, Tensor? h0)
    {
        using var scope = Torch.NewDisposeScope();
        Tensor? none = null;
        var batched = Prepare(ref input, ref h0, ref none, lstm: false);
        var (output, h, _) = Run(input, h0!, null);
        if (!batched)
        {
            output = output.Squeeze(BatchFirst ? 0 : 1);
            h = h.Squeeze(1);
        }
        return (output.MoveToOuterScope(), h.MoveToOuterScope());
    }

    protected override string ExtraRepr() =>
        $"{InputSize}, {HiddenSize}" + (NumLayers != 1 ? $", num_layers={NumLayers}" : "") + (HasBias ? "" : ", bias=False") +
        (BatchFirst ? ", batch_first=True" : "") + (DropoutP != 0 ? $", dropout={Py(DropoutP)}" : "") + (Bidirectional ? ", bidirectional=True" : "");
}

/// <summary>
/// Long short-term memory over a sequence: input (T, N, in), or (N, T, in) with batchFirst, or (T, in) unbatched.
/// Returns the last layer's hidden state at every step (T, N, D·H) and the final hidden and cell states
/// (layers·D, N, H), D = 2 when bidirectional. Gates are ordered input, forget, cell, output, as in PyTorch.
/// </summary>
public sealed class LSTM(long inputSize, long hiddenSize, long numLayers = 1, bool bias = true, bool batchFirst = false,
    double dropout = 0.0, bool bidirectional = false, Device? device = null, ScalarType? dtype = null)
    : RNNBase(0, 4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, device, dtype)
{
    /// <summary>Runs from zero initial states.</summary>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input) => Forward(input, null, null);

    /// <summary>Runs from the given initial states h0 and c0 (layers·D, N, H); null ones start at zero.</summary>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, Tensor? h0, Tensor? c0)
    {
        using var scope = Torch.NewDisposeScope();
        var batched = Prepare(ref input, ref h0, ref c0, lstm: true);
        var (output, h, c) = Run(input, h0!, c0!);
        if (!batched)
        {
            output = output.Squeeze(BatchFirst ? 0 : 1);
            h = h.Squeeze(1);
            c = c!.Squeeze(1);
        }
        return (output.MoveToOuterScope(), h.MoveToOuterScope(), c!.MoveToOuterScope());
    }

    /// <summary>Runs a packed batch from zero initial states; see <see cref="Forward(PackedSequence, Tensor?, Tensor?)"/>.</summary>
    public (PackedSequence Output, Tensor H, Tensor C) Forward(PackedSequence input) => Forward(input, null, null);

    /// <summary>Runs a packed batch (<see cref="Utils.PackPaddedSequence(Tensor, Tensor, bool, bool)"/>): the packed
    /// output, and h_n and c_n (layers·D, N, H) taken after each sequence's own last step, in the original batch
    /// order. h0 and c0 (layers·D, N, H), in that order too; null ones start at zero.</summary>
    public (PackedSequence Output, Tensor H, Tensor C) Forward(PackedSequence input, Tensor? h0, Tensor? c0)
    {
        var (output, h, c) = RunPacked(input, h0, c0, lstm: true);
        return (output, h, c!);
    }
}

/// <summary>Gated recurrent unit: as <see cref="LSTM"/> without the cell state. Gates: reset, update, new.</summary>
public sealed class GRU(long inputSize, long hiddenSize, long numLayers = 1, bool bias = true, bool batchFirst = false,
    double dropout = 0.0, bool bidirectional = false, Device? device = null, ScalarType? dtype = null)
    : RNNBase(1, 3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, device, dtype)
{
    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0 = null) => RunWithoutCell(input, h0);

    /// <summary>Runs a packed batch: the packed output and h_n after each sequence's own last step (see
    /// <see cref="LSTM.Forward(PackedSequence, Tensor?, Tensor?)"/>).</summary>
    public (PackedSequence Output, Tensor H) Forward(PackedSequence input, Tensor? h0 = null)
    {
        var (output, h, _) = RunPacked(input, h0, null, lstm: false);
        return (output, h);
    }
}

/// <summary>Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), act tanh (default) or relu.</summary>
public sealed class RNN(long inputSize, long hiddenSize, long numLayers = 1, bool useRelu = false, bool bias = true,
    bool batchFirst = false, double dropout = 0.0, bool bidirectional = false, Device? device = null, ScalarType? dtype = null)
    : RNNBase(useRelu ? 3 : 2, 1, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, device, dtype)
{
    public bool UseRelu { get; } = useRelu;

    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0 = null) => RunWithoutCell(input, h0);

    /// <summary>Runs a packed batch: the packed output and h_n after each sequence's own last step (see
    /// <see cref="LSTM.Forward(PackedSequence, Tensor?, Tensor?)"/>).</summary>
    public (PackedSequence Output, Tensor H) Forward(PackedSequence input, Tensor? h0 = null)
    {
        var (output, h, _) = RunPacked(input, h0, null, lstm: false);
        return (output, h);
    }
}
