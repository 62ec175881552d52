namespace MLRoadmap.Recipes.TextLstm;

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, algorithm 7.4: the two-loop recursion over the last m steps) with a
/// backtracking Armijo line search, for the baseline's small convex problem in float64. Stops when the gradient's
/// largest element falls below <c>tolerance</c> (sklearn's lbfgs criterion) or the objective stops moving.
/// </summary>
internal static class Lbfgs
{
    /// <summary>Minimises <paramref name="objective"/> (a scalar built from <paramref name="parameters"/>) in place.</summary>
    public static void Minimize(IReadOnlyList<Tensor> parameters, Func<Tensor> objective, int maxIterations, int history = 10, double tolerance = 1e-6)
    {
        using var grad = Torch.EnableGrad();   // also when called from an evaluation step, under no_grad
        foreach (var p in parameters) p.RequiresGrad_(true);
        var x = Flatten(parameters);
        var (f, g) = Evaluate(parameters, objective, x);
        var s = new List<Tensor>();
        var y = new List<Tensor>();
        for (var iteration = 0; iteration < maxIterations && g.Abs().Max().Item<double>() > tolerance; iteration++)
        {
            using var scope = Torch.NewDisposeScope();
            // Two-loop recursion: d = -H·g.
            var q = g.Clone();
            var alphas = new double[s.Count];
            for (var i = s.Count - 1; i >= 0; i--)
            {
                alphas[i] = s[i].Dot(q).Item<double>() / y[i].Dot(s[i]).Item<double>();
                q = q.Sub(y[i].Mul(alphas[i]));
            }
            if (s.Count > 0) q = q.Mul(s[^1].Dot(y[^1]).Item<double>() / y[^1].Dot(y[^1]).Item<double>());
            for (var i = 0; i < s.Count; i++)
            {
                var beta = y[i].Dot(q).Item<double>() / y[i].Dot(s[i]).Item<double>();
                q = q.Add(s[i].Mul(alphas[i] - beta));
            }
            var direction = q.Neg();
            var slope = g.Dot(direction).Item<double>();
            if (slope >= 0) { direction = g.Neg(); slope = -g.Dot(g).Item<double>(); }
            var step = s.Count == 0 ? Math.Min(1.0, 1.0 / g.Abs().Sum().Item<double>()) : 1.0;
            Tensor xNew, gNew;
            double fNew;
            while (true)
            {
                xNew = x.Add(direction.Mul(step));
                (fNew, gNew) = Evaluate(parameters, objective, xNew);
                if (fNew <= f + 1e-4 * step * slope || step < 1e-12) break;
                step *= 0.5;
            }
            var sk = xNew.Sub(x);
            var yk = gNew.Sub(g);
            if (yk.Dot(sk).Item<double>() > 1e-12)
            {
                s.Add(sk.DetachFromDisposeScope());
                y.Add(yk.DetachFromDisposeScope());
                if (s.Count > history)
                {
                    s[0].Dispose(); y[0].Dispose();
                    s.RemoveAt(0); y.RemoveAt(0);
                }
            }
            var moved = Math.Abs(f - fNew) <= 1e-12 * Math.Max(1, Math.Abs(f));
            x.Dispose(); g.Dispose();
            x = xNew.DetachFromDisposeScope();
            g = gNew.DetachFromDisposeScope();
            f = fNew;
            if (moved) break;
        }
        Unflatten(parameters, x);
        foreach (var t in s.Concat(y).Append(x).Append(g)) t.Dispose();
        foreach (var p in parameters) p.RequiresGrad_(false);
    }

    private static (double F, Tensor G) Evaluate(IReadOnlyList<Tensor> parameters, Func<Tensor> objective, Tensor x)
    {
        using var scope = Torch.NewDisposeScope();
        Unflatten(parameters, x);
        foreach (var p in parameters) p.Grad = null;
        var f = objective();
        f.Backward();
        var g = Torch.Cat(parameters.Select(p => p.Grad!.Reshape(-1)).ToArray());
        foreach (var p in parameters) p.Grad = null;
        return (f.Item<double>(), g.MoveToOuterScope());
    }

    private static Tensor Flatten(IReadOnlyList<Tensor> parameters)
    {
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        return Torch.Cat(parameters.Select(p => p.Reshape(-1)).ToArray()).DetachFromDisposeScope();
    }

    private static void Unflatten(IReadOnlyList<Tensor> parameters, Tensor x)
    {
        using var noGrad = Torch.NoGrad();
        long offset = 0;
        foreach (var p in parameters)
        {
            using var part = x.Narrow(0, offset, p.Numel).Reshape(p.Shape);
            p.Copy_(part);
            offset += p.Numel;
        }
    }
}
