using MLRoadmap.Recipes.CharLstm;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.Gpt;

/// <summary>gpt's configuration: the common keys with this recipe's defaults, <c>data.*</c> and <c>sample.*</c>
/// (char-lstm's <see cref="LmConfig{TModel}"/>) and <c>model.*</c> below.</summary>
[Reason("trainer.max_epochs", "10 epochs: val 1.970 bits per byte (test 1.964), the last epoch gaining only 0.002, training loss below validation by then (2.89 against 3.16 nats a token); the 4x192 model without dropout stalled at 2.022 after 8 (README)")]
[Reason("optim.lr", "1.5e-3: the one-cycle peak for AdamW; 2e-3 was chosen for the 4x192 model (it took the first epoch from 2.85 to 2.69 bits per byte against 1e-3), scaled down by the width for 256 (README)")]
[Reason("data.batch_size", "16 chunks of 128 tokens: twice the steps of 32 for the same text, which this under-trained model turns into lower loss per epoch")]
[Reason("optim.weight_decay", "0.1: nanoGPT's decoupled weight decay, regularising a model that sees the corpus a few times")]
[Reason("trainer.gradient_clip_val", "1.0: nanoGPT clips the gradient norm at 1")]
[Reason("data.eval_stride", "64: validation and test windows of 128 tokens slide by 64, so every scored token has at least 64 tokens (about 150 bytes) of context, as char-lstm's carried state gives it all; the evaluation costs twice as much")]
public sealed record GptLmConfig : LmConfig<GptSettings>
{
    public GptLmConfig()
    {
        Trainer = Trainer with { MaxEpochs = 10, GradientClipVal = 1.0 };
        Data = Data with { EvalStride = 64, BatchSize = 16 };
        Optim = Optim with { Lr = 1.5e-3, WeightDecay = 0.1 };
    }
}

/// <summary>The <c>model.*</c> keys: the tokenizer and the zoo's GPT (models/MLRoadmap.Models/Gpt.cs). The context
/// (the learned positions) is <c>data.seq_len</c>.</summary>
public sealed record GptSettings
{
    [Setting("bpe: a byte-level BPE trained on the training split; a token holds about 2.3 bytes of fortune text, so the model reads 2.3 times the text per step and per context that char does (README)", OneOf = ["bpe", "char"])]
    public string Tokenizer { get; init; } = "bpe";

    [Setting("1024 tokens (the 256 bytes and 768 merges): common words and word pieces of the fortunes, a small head and embedding", Min = 257, Max = 65536)]
    public int VocabSize { get; init; } = 1024;

    [Setting("6 blocks: about 4.7 M parameters in the blocks at width 256; 4 blocks of 192 overfitted within 8 epochs and ended 0.05 bits behind (README)", Min = 1, Max = 48)]
    public int Layers { get; init; } = 6;

    [Setting("4 heads of 64 dimensions", Min = 1, Max = 64)]
    public int Heads { get; init; } = 4;

    [Setting("256: the residual stream's width, a multiple of heads", Min = 8, Max = 4096)]
    public int Width { get; init; } = 256;

    [Setting("0.1: without it the 4x192 model's training loss fell to 2.85 nats a token against 3.24 on validation by epoch 8; with it this model ends 2.89 against 3.16 (README)", Min = 0, Max = 0.9)]
    public double Dropout { get; init; } = 0.1;
}
