namespace MLRoadmap.Metrics;

/// <summary>
/// Eigenvalues (and optionally eigenvectors) of a real symmetric matrix by the cyclic Jacobi method, in double
/// precision. The engine has no <c>eigh</c>; the Fréchet distance needs two decompositions of D×D covariances (D = 128
/// for the CNN features the recipes use), which Jacobi does in well under a second, accurate to machine precision
/// relative to the matrix's norm and robust for singular and indefinite matrices alike.
/// </summary>
internal static class SymmetricEigen
{
    private const int MaxSweeps = 100;

    /// <summary>Decomposes the symmetric n×n row-major <paramref name="matrix"/> (only its upper triangle is read;
    /// the array is not changed). Returns the eigenvalues (ascending) and, with <paramref name="vectors"/>, the
    /// row-major n×n matrix whose columns are the matching unit eigenvectors (else null).</summary>
    public static (double[] Values, double[]? Vectors) Decompose(double[] matrix, int n, bool vectors)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (matrix.Length != (long)n * n) throw new ArgumentException($"a {n}x{n} matrix has {n * n} entries, not {matrix.Length}", nameof(matrix));
        foreach (var x in matrix)
            if (!double.IsFinite(x)) throw new ArgumentException("the matrix holds NaN or infinite entries", nameof(matrix));

        var a = new double[matrix.Length];
        for (var i = 0; i < n; i++)
            for (var j = i; j < n; j++) a[i * n + j] = a[j * n + i] = matrix[i * n + j];
        double[]? v = null;
        if (vectors)
        {
            v = new double[a.Length];
            for (var i = 0; i < n; i++) v[i * n + i] = 1;
        }

        var norm2 = 0.0;
        foreach (var x in a) norm2 += x * x;
        // Converged when the off-diagonal mass is round-off next to the whole matrix: each eigenvalue is then within
        // the off-diagonal's norm, 1e-14·‖A‖, of its diagonal entry (Weyl). Entries below 1e-17·‖A‖ are zeroed rather
        // than rotated away, so round-off can't keep a sweep busy forever.
        var tolerance = norm2 * 1e-28;
        var negligible = Math.Sqrt(norm2) * 1e-17;
        var sweep = 0;
        for (; sweep < MaxSweeps; sweep++)
        {
            var off = 0.0;
            for (var i = 0; i < n; i++)
                for (var j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
            if (off <= tolerance || off == 0) break;
            for (var p = 0; p < n; p++)
                for (var q = p + 1; q < n; q++) Rotate(a, v, n, p, q, negligible);
        }
        if (sweep == MaxSweeps) throw new InvalidOperationException($"Jacobi eigendecomposition of a {n}x{n} matrix did not converge in {MaxSweeps} sweeps");

        var order = Enumerable.Range(0, n).OrderBy(i => a[i * n + i]).ToArray();
        var values = order.Select(i => a[i * n + i]).ToArray();
        if (v is null) return (values, null);
        var sorted = new double[v.Length];
        for (var row = 0; row < n; row++)
            for (var k = 0; k < n; k++) sorted[row * n + k] = v[row * n + order[k]];
        return (values, sorted);
    }

    // One rotation J(p, q, θ) zeroing a[p, q]: A ← JᵀAJ, V ← VJ. With θ = (a_qq − a_pp) / (2 a_pq), t = tan θ is the
    // smaller root of t² + 2θt − 1 = 0 (the rotation angle at most π/4, which keeps the method stable).
    private static void Rotate(double[] a, double[]? v, int n, int p, int q, double negligible)
    {
        var apq = a[p * n + q];
        if (Math.Abs(apq) <= negligible)
        {
            a[p * n + q] = a[q * n + p] = 0;
            return;
        }
        var app = a[p * n + p];
        var aqq = a[q * n + q];
        var theta = (aqq - app) / (2 * apq);
        var t = double.IsInfinity(theta * theta) ? 1 / (2 * theta)   // θ² overflows: t ≈ 1 / 2θ
            : (theta >= 0 ? 1 : -1) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        var c = 1 / Math.Sqrt(t * t + 1);
        var s = t * c;
        a[p * n + p] = app - t * apq;
        a[q * n + q] = aqq + t * apq;
        a[p * n + q] = a[q * n + p] = 0;
        for (var k = 0; k < n; k++)
        {
            if (k == p || k == q) continue;
            var akp = a[k * n + p];
            var akq = a[k * n + q];
            a[k * n + p] = a[p * n + k] = c * akp - s * akq;
            a[k * n + q] = a[q * n + k] = s * akp + c * akq;
        }
        if (v is null) return;
        for (var k = 0; k < n; k++)
        {
            var vkp = v[k * n + p];
            var vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }
}
