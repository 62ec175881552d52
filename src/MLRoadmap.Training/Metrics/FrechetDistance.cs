namespace MLRoadmap.Metrics;

/// <summary>
/// The Fréchet distance between the Gaussians fitted to two sets of feature vectors, real and generated:
/// d² = ‖μr − μf‖² + tr Σr + tr Σf − 2 tr (Σr^½ Σf Σr^½)^½. With Inception-v3's pool features it is the FID of
/// Heusel et al. (2017); the recipes use a small CNN's pooled features, so their values compare only with each other.
/// Name "fid".
/// </summary>
/// <remarks>
/// <para>Streaming: <see cref="UpdateReal"/> and <see cref="UpdateFake"/> take (N, D) features in any batches (or
/// <see cref="Metric.Update"/> with the generated features as preds and the real ones as target). Each side keeps
/// its count, mean and co-moment matrix in float64, merged batch by batch from the batch's own mean (Chan et al.), so
/// large feature means don't cancel the covariance away. Covariances are unbiased (N − 1), as numpy's <c>cov</c>
/// and the reference FID implementations.</para>
/// <para>The trace of the matrix square root comes from two symmetric eigendecompositions in double precision
/// (Σr = V Λ Vᵀ gives Σr^½; then the eigenvalues of the symmetric Σr^½ Σf Σr^½, which are those of Σr Σf), with
/// round-off negatives clamped to 0. Unlike <c>sqrtm(Σr Σf)</c> this needs no regularising offset when the
/// covariances are singular (fewer samples than dimensions, dead features). Compared with SciPy's <c>sqrtm</c> in
/// tests/fixtures/fid.</para>
/// <para>State: <c>real_mean</c>, <c>fake_mean</c> [D] float64, <c>real_comoment</c>, <c>fake_comoment</c> [D, D]
/// float64, <c>real_count</c>, <c>fake_count</c>; with D taken from the data, a state dict of any D loads.</para>
/// </remarks>
public sealed class FrechetDistance : Metric
{
    private const double MachineEpsilon = 2.220446049250313e-16;   // 2⁻⁵², float64's (not .NET's double.Epsilon, the smallest subnormal)
    private readonly MetricState _state;

    /// <param name="features">D, the length of each feature vector; null takes it from the first batch after each
    /// reset (a feature extractor chosen at run time).</param>
    public FrechetDistance(int? features = null)
    {
        if (features is { } d) ArgumentOutOfRangeException.ThrowIfLessThan(d, 1);
        _fixed = features;
        _state = new MetricState(Name);
        long size = features ?? -1;
        foreach (var side in new[] { "real", "fake" })
        {
            _state.AddTensor($"{side}_mean", [size], ScalarType.Float64);
            _state.AddTensor($"{side}_comoment", [size, size], ScalarType.Float64);
            _state.AddCount($"{side}_count");
        }
    }

    private readonly int? _fixed;

    public override string Name => "fid";

    /// <summary>D, the length of each feature vector: as constructed, else as the batches since the last reset had
    /// (0 before the first).</summary>
    public int Features => _fixed ?? (int)_state["real_mean"].Size(0);

    /// <summary>Feature vectors seen of real data since the last reset.</summary>
    public long RealCount => _state.Count("real_count");

    /// <summary>Feature vectors seen of generated data since the last reset.</summary>
    public long FakeCount => _state.Count("fake_count");

    /// <summary>Adds a batch of each: <paramref name="preds"/> the generated features (N, D), <paramref name="target"/>
    /// the real ones (M, D); N and M may differ, and either may be 0.</summary>
    public override void Update(Tensor preds, Tensor target)
    {
        UpdateFake(preds);
        UpdateReal(target);
    }

    /// <summary>Adds (N, D) features of real data.</summary>
    public void UpdateReal(Tensor features) => Accumulate("real", features);

    /// <summary>Adds (N, D) features of generated data.</summary>
    public void UpdateFake(Tensor features) => Accumulate("fake", features);

    private void Accumulate(string side, Tensor features)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(features);
        ObjectDisposedException.ThrowIf(features.IsDisposed, features);
        var expected = Features == 0 ? "D" : Features.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (features.Dim != 2 || (Features != 0 && features.Size(1) != Features) || features.Size(1) == 0)
            throw new ArgumentException($"{Name}: {side} features must be (N, {expected}), got [{string.Join(", ", features.Shape)}]", nameof(features));
        if (!features.Dtype.IsFloatingPoint())
            throw new ArgumentException($"{Name}: features must be floating point, got {features.Dtype.TorchName()}", nameof(features));
        var rows = features.Size(0);
        if (rows == 0) return;
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewDisposeScope();
        _state.MoveTo(features.Device);
        if (Features == 0)
        {
            var d = features.Size(1);   // the first batch since a reset fixes D for both sides
            foreach (var s in new[] { "real", "fake" })
            {
                _state.Set($"{s}_mean", Torch.Zeros([d], ScalarType.Float64, features.Device));
                _state.Set($"{s}_comoment", Torch.Zeros([d, d], ScalarType.Float64, features.Device));
            }
        }
        double before = _state.Count($"{side}_count"), after = before + rows;
        var x = features.Detach().To(ScalarType.Float64);                 // (N, D)
        var batchMean = x.Mean(0);                                          // (D)
        var centred = x - batchMean;                                        // (N, D)
        var delta = batchMean.Sub_(_state[$"{side}_mean"]);                 // (D) batch mean − running mean
        _state[$"{side}_mean"].Add_(delta, rows / after);
        _state[$"{side}_comoment"].Add_(centred.T().Mm(centred)).Add_(delta.Outer(delta), before * rows / after);
        _state.AddToCount($"{side}_count", rows);
    }

    /// <summary>The distance between everything seen since the last reset; needs at least two vectors of each kind
    /// (a covariance).</summary>
    public override double Compute()
    {
        ThrowIfDisposed();
        if (RealCount < 2 || FakeCount < 2)
            throw new InvalidOperationException($"{Name}: needs at least 2 real and 2 generated feature vectors, has {RealCount} and {FakeCount}");
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewDisposeScope();
        return Compute(_state["real_mean"], _state["real_comoment"] / (RealCount - 1),
            _state["fake_mean"], _state["fake_comoment"] / (FakeCount - 1));
    }

    /// <summary>The Fréchet distance between N(μr, Σr) and N(μf, Σf): means (D), symmetric positive semi-definite
    /// covariances (D, D), any floating dtype and device. Non-finite statistics give NaN.</summary>
    public static double Compute(Tensor muReal, Tensor sigmaReal, Tensor muFake, Tensor sigmaFake)
    {
        ArgumentNullException.ThrowIfNull(muReal);
        ArgumentNullException.ThrowIfNull(sigmaReal);
        ArgumentNullException.ThrowIfNull(muFake);
        ArgumentNullException.ThrowIfNull(sigmaFake);
        var d = muReal.Dim == 1 ? (int)muReal.Size(0) : throw new ArgumentException($"μ must be (D), got [{string.Join(", ", muReal.Shape)}]", nameof(muReal));
        foreach (var (t, what) in new[] { (muFake, "μf"), (sigmaReal, "Σr"), (sigmaFake, "Σf") })
        {
            long[] expected = what.StartsWith('μ') ? [d] : [d, d];
            if (!t.Shape.SequenceEqual(expected))
                throw new ArgumentException($"{what} must be [{string.Join(", ", expected)}] to match μr, got [{string.Join(", ", t.Shape)}]");
        }
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewDisposeScope();
        var cpu = (Tensor t) => t.Detach().To(Device.CPU).To(ScalarType.Float64);
        var (mr, sr, mf, sf) = (cpu(muReal), cpu(sigmaReal), cpu(muFake), cpu(sigmaFake));
        var meanTerm = (mr - mf).Square().Sum().Item<double>();
        var traces = sr.Diagonal().Sum().Item<double>() + sf.Diagonal().Sum().Item<double>();
        if (!double.IsFinite(meanTerm) || !double.IsFinite(traces) || !double.IsFinite(sf.Sum().Item<double>())) return double.NaN;
        return meanTerm + traces - 2 * TraceSqrtProduct(sr, sf);
    }

    // tr (A B)^½ for symmetric PSD A and B (D, D) float64 on the CPU: A^½ = V diag(√λ) Vᵀ, then the eigenvalues of the
    // symmetric A^½ B A^½, similar to A B.
    private static double TraceSqrtProduct(Tensor a, Tensor b)
    {
        var n = (int)a.Size(0);
        var (values, vectors) = SymmetricEigen.Decompose(a.Contiguous().ToArray<double>(), n, vectors: true);
        var roots = Torch.Tensor(Roots(values));                                                 // (D)
        var v = Torch.Tensor(vectors!, [n, n]);                                                  // columns: eigenvectors
        var rootA = (v * roots).Mm(v.T());                                                       // A^½
        var m = rootA.Mm(b).Mm(rootA);
        m = (m + m.T()) * 0.5;                                                                   // symmetric up to round-off
        var (eigen, _) = SymmetricEigen.Decompose(m.Contiguous().ToArray<double>(), n, vectors: false);
        return Roots(eigen).Sum();
    }

    // Square roots of a PSD matrix's eigenvalues. Those below n·ε·λmax are round-off (a singular covariance's zeros
    // come out as ±1e-15·λmax) and count as 0: their roots, ~1e-8·√λmax each, would otherwise add up to a visible error.
    private static double[] Roots(double[] eigenvalues)
    {
        var floor = eigenvalues.Length * MachineEpsilon *
                    eigenvalues.Select(Math.Abs).DefaultIfEmpty(0).Max();
        return eigenvalues.Select(e => e <= floor ? 0 : Math.Sqrt(e)).ToArray();
    }

    public override void Reset()
    {
        ThrowIfDisposed();
        _state.Reset();
    }

    public override IReadOnlyDictionary<string, Tensor> StateDict()
    {
        ThrowIfDisposed();
        return _state.ToStateDict();
    }

    public override void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ThrowIfDisposed();
        _state.Load(state);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _state.Dispose();
        base.Dispose(disposing);
    }
}
