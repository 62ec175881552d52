using MLRoadmap.Tests.Support;
using System.Text.Json;
using MLRoadmap.NN;

namespace MLRoadmap.Tests.NN;

/// <summary>
/// Builds our layer from a fixture's PyTorch class name and constructor kwargs (the metadata's "module" and
/// "args"). Every kwarg must be understood: an unknown one fails the test instead of being silently dropped, so a
/// new fixture case cannot pass by accident.
/// </summary>
internal static class LayerFactory
{
    public static Module Create(string module, JsonElement args)
    {
        var a = new Args(module, args);
        Module m = module switch
        {
            "Sequential" => new Sequential(a.Layers("layers").Select(l => (Module<Tensor, Tensor>)Create(l.Module, l.Args))),
            "Linear" => new Linear(a.Long("in_features"), a.Long("out_features"), a.Bool("bias", true)),
            "Conv1d" or "Conv2d" => Conv(module, a),
            "ConvTranspose1d" or "ConvTranspose2d" => ConvTranspose(module, a),
            "BatchNorm1d" or "BatchNorm2d" => BatchNorm(module, a),
            "LayerNorm" => new LayerNorm(a.Sizes("normalized_shape"), a.Double("eps", 1e-5), a.Bool("elementwise_affine", true)),
            "GroupNorm" => new GroupNorm(a.Long("num_groups"), a.Long("num_channels"), a.Double("eps", 1e-5), a.Bool("affine", true)),
            "Dropout" => new Dropout(a.Double("p", 0.5)),
            "Embedding" => new Embedding(a.Long("num_embeddings"), a.Long("embedding_dim"), a.NullableLong("padding_idx")),
            "LSTM" => new LSTM(a.Long("input_size"), a.Long("hidden_size"), a.Long("num_layers", 1), a.Bool("bias", true),
                a.Bool("batch_first", false), a.Double("dropout", 0), a.Bool("bidirectional", false)),
            "GRU" => new GRU(a.Long("input_size"), a.Long("hidden_size"), a.Long("num_layers", 1), a.Bool("bias", true),
                a.Bool("batch_first", false), a.Double("dropout", 0), a.Bool("bidirectional", false)),
            "RNN" => new RNN(a.Long("input_size"), a.Long("hidden_size"), a.Long("num_layers", 1),
                a.String("nonlinearity", "tanh") == "relu", a.Bool("bias", true), a.Bool("batch_first", false),
                a.Double("dropout", 0), a.Bool("bidirectional", false)),
            "MultiheadAttention" => new MultiheadAttention(a.Long("embed_dim"), a.Long("num_heads"), a.Double("dropout", 0),
                a.Bool("bias", true), a.Bool("add_bias_kv", false), a.Bool("add_zero_attn", false), a.NullableLong("kdim"),
                a.NullableLong("vdim"), a.Bool("batch_first", false)),
            "TransformerEncoderLayer" => new TransformerEncoderLayer(a.Long("d_model"), a.Long("nhead"),
                a.Long("dim_feedforward", 2048), a.Double("dropout", 0.1), Activation(a), a.Double("layer_norm_eps", 1e-5),
                a.Bool("batch_first", false), a.Bool("norm_first", false)),
            "TransformerDecoderLayer" => new TransformerDecoderLayer(a.Long("d_model"), a.Long("nhead"),
                a.Long("dim_feedforward", 2048), a.Double("dropout", 0.1), Activation(a), a.Double("layer_norm_eps", 1e-5),
                a.Bool("batch_first", false), a.Bool("norm_first", false)),
            "MaxPool1d" => new MaxPool1d(a.Size("kernel_size"), a.OptionalSize("stride"), a.Size("padding", 0), a.Size("dilation", 1), a.Bool("ceil_mode", false)),
            "MaxPool2d" => new MaxPool2d(a.Size("kernel_size"), a.OptionalSize("stride"), a.Size("padding", 0), a.Size("dilation", 1), a.Bool("ceil_mode", false)),
            "AvgPool2d" => new AvgPool2d(a.Size("kernel_size"), a.OptionalSize("stride"), a.Size("padding", 0), a.Bool("ceil_mode", false),
                a.Bool("count_include_pad", true), a.NullableLong("divisor_override")),
            "AdaptiveAvgPool2d" => new AdaptiveAvgPool2d(a.Size("output_size")),
            "Flatten" => new Flatten(a.Long("start_dim", 1), a.Long("end_dim", -1)),
            "ReLU" => new ReLU(a.Bool("inplace", false)),
            "ReLU6" => new ReLU6(a.Bool("inplace", false)),
            "LeakyReLU" => new LeakyReLU(a.Double("negative_slope", 0.01), a.Bool("inplace", false)),
            "ELU" => new ELU(a.Double("alpha", 1.0), a.Bool("inplace", false)),
            "SELU" => new SELU(a.Bool("inplace", false)),
            "CELU" => new CELU(a.Double("alpha", 1.0), a.Bool("inplace", false)),
            "GELU" => new GELU(a.String("approximate", "none") == "tanh" ? GeluApproximation.Tanh : GeluApproximation.None),
            "SiLU" => new SiLU(a.Bool("inplace", false)),
            "Mish" => new Mish(a.Bool("inplace", false)),
            "Softplus" => new Softplus(a.Double("beta", 1.0), a.Double("threshold", 20.0)),
            "Hardswish" => new Hardswish(a.Bool("inplace", false)),
            "Hardsigmoid" => new Hardsigmoid(a.Bool("inplace", false)),
            "Hardtanh" => new Hardtanh(a.Double("min_val", -1.0), a.Double("max_val", 1.0), a.Bool("inplace", false)),
            "LogSigmoid" => new LogSigmoid(),
            "Tanh" => new Tanh(),
            "Sigmoid" => new Sigmoid(),
            "Softmax" => new Softmax(a.Long("dim")),
            "LogSoftmax" => new LogSoftmax(a.Long("dim")),
            "PReLU" => new PReLU(a.Long("num_parameters", 1), a.Double("init", 0.25)),
            "Identity" => new Identity(),
            _ => throw new NotSupportedException($"no C# layer for torch.nn.{module}"),
        };
        a.AssertAllUsed();
        return m;
    }

    private static TransformerActivation Activation(Args a) => a.String("activation", "relu") switch
    {
        "relu" => TransformerActivation.Relu,
        "gelu" => TransformerActivation.Gelu,
        var other => throw new NotSupportedException($"activation '{other}'"),
    };

    private static Module Conv(string module, Args a)
    {
        var mode = a.String("padding_mode", "zeros") switch
        {
            "zeros" => PaddingMode.Zeros,
            "reflect" => PaddingMode.Reflect,
            "replicate" => PaddingMode.Replicate,
            "circular" => PaddingMode.Circular,
            var other => throw new NotSupportedException($"padding_mode '{other}'"),
        };
        var (inC, outC, k) = (a.Long("in_channels"), a.Long("out_channels"), a.Size("kernel_size"));
        var (stride, padding, dilation) = (a.Size("stride", 1), a.Padding("padding"), a.Size("dilation", 1));
        var (groups, bias) = (a.Long("groups", 1), a.Bool("bias", true));
        return module == "Conv1d"
            ? new Conv1d(inC, outC, k, stride, padding, dilation, groups, bias, mode)
            : new Conv2d(inC, outC, k, stride, padding, dilation, groups, bias, mode);
    }

    private static Module ConvTranspose(string module, Args a)
    {
        var (inC, outC, k) = (a.Long("in_channels"), a.Long("out_channels"), a.Size("kernel_size"));
        var (stride, padding, outputPadding) = (a.Size("stride", 1), a.Size("padding", 0), a.Size("output_padding", 0));
        var (groups, bias, dilation) = (a.Long("groups", 1), a.Bool("bias", true), a.Size("dilation", 1));
        return module == "ConvTranspose1d"
            ? new ConvTranspose1d(inC, outC, k, stride, padding, outputPadding, groups, bias, dilation)
            : new ConvTranspose2d(inC, outC, k, stride, padding, outputPadding, groups, bias, dilation);
    }

    private static Module BatchNorm(string module, Args a)
    {
        var (n, eps, momentum) = (a.Long("num_features"), a.Double("eps", 1e-5), a.NullableDouble("momentum", 0.1));
        var (affine, track) = (a.Bool("affine", true), a.Bool("track_running_stats", true));
        return module == "BatchNorm1d"
            ? new BatchNorm1d(n, eps, momentum, affine, track)
            : new BatchNorm2d(n, eps, momentum, affine, track);
    }

    /// <summary>Typed access to a kwargs object that remembers which keys were read.</summary>
    private sealed class Args(string module, JsonElement json)
    {
        private readonly HashSet<string> _used = [];

        private bool TryGet(string name, out JsonElement value)
        {
            _used.Add(name);
            return json.TryGetProperty(name, out value);
        }

        private JsonElement Required(string name) =>
            TryGet(name, out var v) ? v : throw new InvalidOperationException($"{module}: missing argument '{name}'");

        public void AssertAllUsed()
        {
            var unused = json.EnumerateObject().Select(p => p.Name).Where(n => !_used.Contains(n)).ToList();
            if (unused.Count > 0) throw new NotSupportedException($"{module}: the test's factory ignores argument(s) {string.Join(", ", unused)}");
        }

        public long Long(string name) => Required(name).GetInt64();
        public long Long(string name, long fallback) => TryGet(name, out var v) ? v.GetInt64() : fallback;
        public long? NullableLong(string name) => TryGet(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetInt64() : null;
        public double Double(string name, double fallback) => TryGet(name, out var v) ? v.GetDouble() : fallback;

        public double? NullableDouble(string name, double fallback) =>
            TryGet(name, out var v) ? (v.ValueKind == JsonValueKind.Null ? null : v.GetDouble()) : fallback;

        public bool Bool(string name, bool fallback) => TryGet(name, out var v) ? v.GetBoolean() : fallback;
        public string String(string name, string fallback) => TryGet(name, out var v) ? v.GetString()! : fallback;

        public long[] Sizes(string name)
        {
            var v = Required(name);
            return v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetInt64()).ToArray() : [v.GetInt64()];
        }

        public SpatialSize Size(string name) => SpatialSize.FromArray(Sizes(name));
        public SpatialSize Size(string name, long fallback) => json.TryGetProperty(name, out _) ? Size(name) : Mark(name, fallback);
        public SpatialSize? OptionalSize(string name)
        {
            if (!TryGet(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            return Size(name);
        }

        private SpatialSize Mark(string name, long fallback)
        {
            _used.Add(name);
            return fallback;
        }

        public ConvPadding Padding(string name)
        {
            if (!TryGet(name, out var v)) return 0;
            return v.ValueKind == JsonValueKind.String ? ConvPadding.FromString(v.GetString()!) : Size(name);
        }

        public List<(string Module, JsonElement Args)> Layers(string name) =>
            Required(name).EnumerateArray().Select(l => (l.GetProperty("module").GetString()!, l.GetProperty("args"))).ToList();
    }
}
