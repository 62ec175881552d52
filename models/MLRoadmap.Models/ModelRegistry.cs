using MLRoadmap.NN;

namespace MLRoadmap.Models;

/// <summary>What a registered model does.</summary>
public enum ModelKind
{
    /// <summary>Images → class logits; an <see cref="ImageClassifier"/>.</summary>
    Classifier,

    /// <summary>Noise → images.</summary>
    Generator,

    /// <summary>Images → one real/fake logit each.</summary>
    Discriminator,

    /// <summary>Images → reconstructions, through a latent code.</summary>
    Autoencoder,

    /// <summary>Token ids (T) → next-token logits (T, V).</summary>
    LanguageModel,
    /// <summary>A window of a time series (steps, features) → the next values (horizon).</summary>
    Forecaster,
    /// <summary>Token ids (right-padded with the pad id) → class logits; a <see cref="TextClassifier"/>.</summary>
    TextClassifier,
}

/// <summary>A registry entry: the name, what it is, its options' defaults, and the shapes it takes and gives
/// (per sample, i.e. without the batch dim) under given options.</summary>
public sealed class ModelInfo
{
    private readonly Func<ModelOptions, Module<Tensor, Tensor>> _create;
    private readonly Func<ModelOptions, long[]> _inputShape;
    private readonly Func<ModelOptions, long[]> _outputShape;

    internal ModelInfo(string name, ModelKind kind, string family, string description, ModelOptions defaultOptions,
        string firstLayer, string? torchvisionName, int? minImageSize, Func<ModelOptions, Module<Tensor, Tensor>> create,
        Func<ModelOptions, long[]> inputShape, Func<ModelOptions, long[]> outputShape)
    {
        Name = name;
        Kind = kind;
        Family = family;
        Description = description;
        DefaultOptions = defaultOptions;
        FirstLayer = firstLayer;
        TorchvisionName = torchvisionName;
        MinImageSize = minImageSize;
        _create = create;
        _inputShape = inputShape;
        _outputShape = outputShape;
    }

    public string Name { get; }
    public ModelKind Kind { get; }

    /// <summary>The class that implements it (ResNet, Vgg, …).</summary>
    public string Family { get; }

    public string Description { get; }

    /// <summary>The options a plain <see cref="ModelRegistry.Create"/> uses; change fields with <c>with</c>.</summary>
    public ModelOptions DefaultOptions { get; }

    /// <summary>The module that reads the input ("conv1", "main.0", …): gradients must reach it.</summary>
    public string FirstLayer { get; }

    /// <summary>The torchvision builder whose weights load into it (null when torchvision has none).</summary>
    public string? TorchvisionName { get; }

    /// <summary>The smallest image side the model takes when any size works (torchvision's min_size: 32 for VGG's
    /// five halvings, 1 for ResNet and MobileNetV2); null when it takes only the size its options give.</summary>
    public int? MinImageSize { get; }

    /// <summary>The input of one sample, e.g. (3, 224, 224) for an ImageNet classifier, (100) for a generator.</summary>
    public long[] InputShape(ModelOptions? options = null) => _inputShape(Check(options));

    /// <summary>The output of one sample, e.g. (1000) for an ImageNet classifier, (1, 28, 28) for a generator.</summary>
    public long[] OutputShape(ModelOptions? options = null) => _outputShape(Check(options));

    internal Module<Tensor, Tensor> Create(ModelOptions? options) => _create(Check(options));

    private ModelOptions Check(ModelOptions? options)
    {
        if (options is null) return DefaultOptions;
        if (options.GetType() != DefaultOptions.GetType())
            throw new ArgumentException($"model '{Name}' takes {DefaultOptions.GetType().Name}, not {options.GetType().Name}",
                nameof(options));
        options.Validate();
        return options;
    }

    public override string ToString() => $"{Name} ({Kind}, {Family})";
}

/// <summary>
/// The zoo by name: <c>ModelRegistry.Create("resnet18")</c>, or with options,
/// <c>ModelRegistry.Create("resnet18", new ResNetOptions { NumClasses = 10, InChannels = 1 })</c>. Names are
/// torchvision's where torchvision has the model.
/// </summary>
public static class ModelRegistry
{
    private static readonly OrderedDictionary<string, ModelInfo> Entries = Build();

    /// <summary>Every registered name, in registration order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Entries.Keys];

    /// <summary>Every entry, in registration order.</summary>
    public static IReadOnlyList<ModelInfo> All { get; } = [.. Entries.Values];

    public static bool Contains(string name) => Entries.ContainsKey(name);

    /// <summary>The entry for <paramref name="name"/>; an unknown name lists the known ones.</summary>
    public static ModelInfo Info(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Entries.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"no model named '{name}'; the registry has: {string.Join(", ", Names)}");
    }

    public static ModelOptions DefaultOptions(string name) => Info(name).DefaultOptions;

    /// <summary>A new model, with <paramref name="options"/> (of the family's record type) or the defaults.</summary>
    public static Module<Tensor, Tensor> Create(string name, ModelOptions? options = null) => Info(name).Create(options);

    /// <summary>A new classifier with the default options but for the head's size and the input channels.</summary>
    public static ImageClassifier CreateClassifier(string name, int? numClasses = null, int? inChannels = null)
    {
        var info = Info(name);
        if (info.Kind != ModelKind.Classifier || info.DefaultOptions is not ClassifierOptions defaults)
            throw new ArgumentException($"model '{name}' is a {info.Kind.ToString().ToLowerInvariant()}, not a classifier", nameof(name));
        var options = defaults with
        {
            NumClasses = numClasses ?? defaults.NumClasses,
            InChannels = inChannels ?? defaults.InChannels,
        };
        return (ImageClassifier)info.Create(options);
    }

    private static OrderedDictionary<string, ModelInfo> Build()
    {
        var entries = new OrderedDictionary<string, ModelInfo>(StringComparer.Ordinal);
        void Add(ModelInfo info) => entries.Add(info.Name, info);

        ModelInfo Classifier<TOptions>(string name, string family, string description, TOptions defaults,
            string firstLayer, Func<TOptions, ImageClassifier> create, Func<TOptions, long> imageSize, string? torchvision,
            int? minImageSize) where TOptions : ClassifierOptions =>
            new(name, ModelKind.Classifier, family, description, defaults, firstLayer, torchvision, minImageSize,
                o => create((TOptions)o),
                o => [o.InChannels, imageSize((TOptions)o), imageSize((TOptions)o)],
                o => [((TOptions)o).NumClasses]);

        var resnet = new ResNetOptions();
        Add(Classifier("resnet18", "ResNet", "ResNet-18: basic blocks [2, 2, 2, 2]", resnet, "conv1", o => ResNet.ResNet18(o), _ => 224, "resnet18", 1));
        Add(Classifier("resnet34", "ResNet", "ResNet-34: basic blocks [3, 4, 6, 3]", resnet, "conv1", o => ResNet.ResNet34(o), _ => 224, "resnet34", 1));
        Add(Classifier("resnet50", "ResNet", "ResNet-50: bottlenecks [3, 4, 6, 3]", resnet, "conv1", o => ResNet.ResNet50(o), _ => 224, "resnet50", 1));
        var vgg = new VggOptions();
        Add(Classifier("vgg11", "Vgg", "VGG-11 (configuration A)", vgg, "features.0", o => Vgg.Vgg11(o), _ => 224, "vgg11", 32));
        Add(Classifier("vgg11_bn", "Vgg", "VGG-11 with batch norm", vgg, "features.0", o => Vgg.Vgg11Bn(o), _ => 224, "vgg11_bn", 32));
        Add(Classifier("vgg16", "Vgg", "VGG-16 (configuration D)", vgg, "features.0", o => Vgg.Vgg16(o), _ => 224, "vgg16", 32));
        Add(Classifier("vgg16_bn", "Vgg", "VGG-16 with batch norm", vgg, "features.0", o => Vgg.Vgg16Bn(o), _ => 224, "vgg16_bn", 32));
        Add(Classifier("mobilenet_v2", "MobileNetV2", "MobileNetV2, width 1.0", new MobileNetV2Options(), "features.0.0",
            o => new MobileNetV2(o), _ => 224, "mobilenet_v2", 1));
        Add(Classifier("small_cnn", "SmallCnn", "three conv blocks for Fashion-MNIST-sized images", new SmallCnnOptions(), "features.0.0",
            o => new SmallCnn(o), o => o.ImageSize, null, null));

        Add(new ModelInfo("dcgan_generator", ModelKind.Generator, "DcganGenerator", "DCGAN generator: noise → image",
            new DcganOptions(), "main.0", null, null, o => new DcganGenerator((DcganOptions)o),
            o => [((DcganOptions)o).LatentDim], o => Image((DcganOptions)o)));
        Add(new ModelInfo("dcgan_discriminator", ModelKind.Discriminator, "DcganDiscriminator", "DCGAN discriminator: image → logit",
            new DcganOptions(), "main.0", null, null, o => new DcganDiscriminator((DcganOptions)o),
            o => Image((DcganOptions)o), _ => []));
        Add(new ModelInfo("conv_vae", ModelKind.Autoencoder, "ConvVae", "convolutional VAE: image → latent → image",
            new ConvVaeOptions(), "encoder.0.0", null, null, o => new ConvVae((ConvVaeOptions)o),
            o => [o.InChannels, ((ConvVaeOptions)o).ImageSize, ((ConvVaeOptions)o).ImageSize],
            o => [o.InChannels, ((ConvVaeOptions)o).ImageSize, ((ConvVaeOptions)o).ImageSize]));
        Add(new ModelInfo("gpt", ModelKind.LanguageModel, "Gpt", "GPT-style causal transformer LM (nanoGPT's layout, tied head)",
            new GptConfig(), "transformer.wte", null, null, o => new Gpt((GptConfig)o),
            o => [((GptConfig)o).BlockSize], o => [((GptConfig)o).BlockSize, ((GptConfig)o).VocabSize]));
        // Any window length works; the stated input is timeseries-lstm's week of hours.
        Add(new ModelInfo("lstm_forecaster", ModelKind.Forecaster, "LstmForecaster", "LSTM over a window → the next Horizon values at once",
            new LstmForecasterOptions(), "lstm", null, null, o => new LstmForecaster((LstmForecasterOptions)o),
            o => [168, o.InChannels], o => [((LstmForecasterOptions)o).Horizon]));
        Add(new ModelInfo("lstm_classifier", ModelKind.TextClassifier, "LstmClassifier", "BiLSTM over token embeddings, max-pooled, linear head",
            new LstmClassifierOptions(), "embedding", null, null, o => new LstmClassifier((LstmClassifierOptions)o),
            o => [((TextClassifierOptions)o).MaxLength], o => [((TextClassifierOptions)o).NumClasses]));
        Add(new ModelInfo("transformer_classifier", ModelKind.TextClassifier, "TransformerClassifier",
            "transformer encoder over token and position embeddings, masked mean pooling, linear head",
            new TransformerClassifierOptions(), "tok_emb", null, null, o => new TransformerClassifier((TransformerClassifierOptions)o),
            o => [((TextClassifierOptions)o).MaxLength], o => [((TextClassifierOptions)o).NumClasses]));
        Add(new ModelInfo("lstm_lm", ModelKind.LanguageModel, "LstmLanguageModel", "LSTM language model: ids → next-token logits",
            new LstmLanguageModelOptions(), "embedding", null, null, o => new LstmLanguageModel((LstmLanguageModelOptions)o),
            _ => [16], o => [16, ((LstmLanguageModelOptions)o).VocabSize]));
        return entries;

        static long[] Image(DcganOptions o) => [o.InChannels, o.ImageSize, o.ImageSize];
    }
}
