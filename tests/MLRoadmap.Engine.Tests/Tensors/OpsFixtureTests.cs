using MLRoadmap.Tests.Support;
using static MLRoadmap.TensorIndex;

namespace MLRoadmap.Tests.Tensors;

/// <summary>Every case of ops.safetensors, run through the engine and compared with PyTorch's result. The C#
/// expression for each case sits next to the Python one it mirrors (see the fixture's metadata).</summary>
public class OpsFixtureTests
{
    private const string File = "ops.safetensors";

    private static readonly Dictionary<string, Func<Tensor[], Tensor[]>> Cases = new()
    {
        ["softmax_dim0"] = x => [x[0].Softmax(0)],
        ["log_softmax_dim0"] = x => [x[0].LogSoftmax(0)],
        ["softmax_dim_last"] = x => [x[0].Softmax(-1)],
        ["log_softmax_dim_last"] = x => [x[0].LogSoftmax(-1)],
        ["sum_all"] = x => [x[0].Sum()],
        ["sum_dim1"] = x => [x[0].Sum(1)],
        ["sum_dim1_keepdim"] = x => [x[0].Sum(1, keepDim: true)],
        ["sum_dims_0_2"] = x => [x[0].Sum([0, 2])],
        ["sum_int64"] = x => [x[0].Sum(0)],
        ["mean_all"] = x => [x[0].Mean()],
        ["mean_dim_last"] = x => [x[0].Mean(-1)],
        ["mean_dims_0_2_keepdim"] = x => [x[0].Mean([0, 2], keepDim: true)],
        ["amax_dim1"] = x => [x[0].Amax(1)],
        ["amax_dims_0_2_keepdim"] = x => [x[0].Amax([0, 2], keepDim: true)],
        ["amin_dim0"] = x => [x[0].Amin(0)],
        ["amin_dim_last_keepdim"] = x => [x[0].Amin(-1, keepDim: true)],
        ["std_all_unbiased"] = x => [x[0].Std()],
        ["std_dim1_unbiased"] = x => [x[0].Std(1, unbiased: true)],
        ["std_dim1_biased_keepdim"] = x => [x[0].Std(1, unbiased: false, keepDim: true)],
        ["var_all_biased"] = x => [x[0].Var(unbiased: false)],
        ["var_dim_last_unbiased_keepdim"] = x => [x[0].Var(-1, unbiased: true, keepDim: true)],
        ["var_dims_0_2_biased"] = x => [x[0].Var([0, 2], unbiased: false)],
        ["logsumexp_dim1"] = x => [x[0].Logsumexp(1)],
        ["logsumexp_dim0_keepdim"] = x => [x[0].Logsumexp(0, keepDim: true)],
        ["logsumexp_infinities"] = x => [x[0].Logsumexp(1)],
        ["cumsum_dim0"] = x => [x[0].Cumsum(0)],
        ["cumsum_dim1"] = x => [x[0].Cumsum(1)],
        ["cumsum_int64"] = x => [x[0].Cumsum(0)],
        ["sort_dim_last"] = x => Pair(x[0].Sort(-1)),
        ["sort_descending_stable_ties"] = x => Pair(x[0].Sort(1, descending: true, stable: true)),
        ["sort_ascending_stable_ties_dim0"] = x => Pair(x[0].Sort(0, stable: true)),
        ["topk_3_largest"] = x => Pair(x[0].Topk(3)),
        ["topk_3_smallest_dim0"] = x => Pair(x[0].Topk(3, dim: 0, largest: false)),
        ["argmax_dim1"] = x => [x[0].Argmax(1)],
        ["argmin_dim0_keepdim"] = x => [x[0].Argmin(0, keepDim: true)],
        ["argmax_flat"] = x => [x[0].Argmax()],
        ["argmax_ties_first_index"] = x => [x[0].Argmax(1)],
        ["max_dim1"] = x => Pair(x[0].Max(1)),
        ["min_dim0_keepdim"] = x => Pair(x[0].Min(0, keepDim: true)),
        ["matmul_1d_2d"] = x => [x[0].Matmul(x[1])],
        ["matmul_2d_1d"] = x => [x[0].Matmul(x[1])],
        ["matmul_1d_1d"] = x => [x[0].Matmul(x[1])],
        ["matmul_3d_2d"] = x => [x[0].Matmul(x[1])],
        ["matmul_broadcast_4d_3d"] = x => [Torch.Matmul(x[0], x[1])],
        ["bmm"] = x => [x[0].Bmm(x[1])],
        ["einsum_batched_matmul"] = x => [Torch.Einsum("bij,bjk->bik", x[0], x[1])],
        ["einsum_diagonal"] = x => [Torch.Einsum("ii->i", x[0])],
        ["einsum_full_contraction"] = x => [Torch.Einsum("ij,ij->", x[0], x[1])],
        ["einsum_attention_scores"] = x => [Torch.Einsum("bhqd,bhkd->bhqk", x[0], x[1])],
        ["gather_dim1"] = x => [x[0].Gather(1, x[1])],
        ["scatter_src_dim1"] = x => [x[0].Scatter(1, x[1], x[2])],
        ["scatter_value_dim0"] = x => [x[0].Scatter(0, x[1], 2.5)],
        ["scatter_add_duplicates"] = x => [x[0].ScatterAdd(0, x[1], x[2])],
        ["index_select_dim0_repeats"] = x => [x[0].IndexSelect(0, x[1])],
        ["index_select_dim1"] = x => [x[0].IndexSelect(1, x[1])],
        ["masked_fill_broadcast_mask"] = x => [x[0].MaskedFill(x[1], -1.0)],
        ["where_tensor"] = x => [Torch.Where(x[0] > 0, x[0], x[1])],
        ["where_scalar_other"] = x => [Torch.Where(x[1], x[0], 0.0)],
        ["index_slices_step"] = x => [x[0][1..3, Slice(step: 2)]],
        ["index_ellipsis"] = x => [x[0][Ellipsis, 0]],
        ["index_bool_mask_full"] = x => [x[0][x[1]]],
        ["index_bool_mask_rows"] = x => [x[0][x[1]]],
        ["index_long_tensor"] = x => [x[0][x[1]]],
        ["index_none_int"] = x => [x[0][Colon, None, 1]],
        ["index_two_tensors_broadcast"] = x => [x[0][x[1], x[2]]],
        ["index_tensor_and_slice"] = x => [x[0][x[1], 1..4]],
        ["index_negative_int_step_slice"] = x => [x[0][-1, Slice(1, null, 2)]],
        ["index_put_mask_zero"] = x => [x[0].Clone().IndexPut_([x[1]], 0.0)],
        ["index_put_rows_values"] = x => [Assign(x[0].Clone(), x[2], x[1])],
        ["index_put_rows_broadcast_row"] = x => [Assign(x[0].Clone(), x[2], x[1])],
        ["index_put_pair_scalar"] = x => [x[0].Clone().IndexPut_([x[1], x[2]], -1.0)],
        ["index_put_accumulate_duplicates"] = x => [x[0].IndexPut([x[1]], x[2], accumulate: true)],
        ["cat_dim0"] = x => [Torch.Cat([x[0], x[1]], 0)],
        ["cat_dim1"] = x => [Torch.Cat([x[0], x[1]], 1)],
        ["stack_dim1"] = x => [Torch.Stack([x[0], x[1]], 1)],
        ["split_size2_dim1"] = x => x[0].Split(2, 1),
        ["split_sections"] = x => x[0].Split([1, 3, 1], 1),
        ["chunk_3_dim1"] = x => x[0].Chunk(3, 1),
        ["narrow"] = x => [x[0].Narrow(1, 1, 3)],
        ["select"] = x => [x[0].Select(1, -2)],
        ["flip_dims_0_1"] = x => [x[0].Flip(0, 1)],
        ["tril"] = x => [x[0].Tril()],
        ["tril_diag_neg1"] = x => [x[0].Tril(-1)],
        ["triu_diag1"] = x => [x[0].Triu(1)],
        ["triu_batched"] = x => [x[0].Triu()],
        ["permute"] = x => [x[0].Permute(2, 0, 1)],
        ["transpose"] = x => [x[0].Transpose(0, 2)],
        ["flatten_start1"] = x => [x[0].Flatten(1)],
        ["unflatten"] = x => [x[0].Unflatten(1, 2, 3)],
        ["squeeze_all"] = x => [x[0].Squeeze()],
        ["squeeze_dim2"] = x => [x[0].Squeeze(2)],
        ["unsqueeze_neg1"] = x => [x[0].Unsqueeze(-1)],
        ["channels_last_strides"] = x => [Torch.Tensor(x[0].Contiguous(MemoryFormat.ChannelsLast).Stride)],
        ["channels_last_3d_strides"] = x => [Torch.Tensor(x[0].Contiguous(MemoryFormat.ChannelsLast3d).Stride)],
        ["channels_last_is_contiguous"] = x =>
        {
            var nhwc = x[0].Contiguous(MemoryFormat.ChannelsLast);
            return [Torch.Tensor(new[] { x[0].IsContiguousIn(MemoryFormat.ChannelsLast), nhwc.IsContiguousIn(MemoryFormat.ChannelsLast),
                nhwc.IsContiguous, nhwc.Contiguous().IsContiguousIn(MemoryFormat.ChannelsLast) })];
        },
        ["channels_last_conv2d"] = x =>
        {
            var y = MLRoadmap.NN.Functional.Conv2d(x[0].Contiguous(MemoryFormat.ChannelsLast), x[1].Contiguous(MemoryFormat.ChannelsLast), x[2], padding: 1);
            return [y, Torch.Tensor(new[] { y.IsContiguousIn(MemoryFormat.ChannelsLast) }).Squeeze(0)];
        },
        ["expand"] = x => [x[0].Expand(2, 3, 4)],
        ["expand_minus1"] = x => [x[0].Expand(-1, 4)],
        ["repeat"] = x => [x[0].Repeat(2, 1, 3)],
        ["reshape_transposed"] = x => [x[0].T().Reshape(-1)],
        ["pow_tensor_scalar"] = x => [x[0].Pow(2)],
        ["pow_fractional_negative_base_nan"] = x => [x[0].Pow(0.5)],
        ["pow_tensor_tensor"] = x => [x[0].Pow(x[1])],
        ["pow_int64"] = x => [x[0].Pow(3)],
        ["pow_scalar_base"] = x => [x[0].Rpow(2.0)],
        ["remainder_float_neg"] = x => [x[0] % x[1]],
        ["remainder_int_neg"] = x => [x[0].Remainder(x[1])],
        ["fmod_float_neg"] = x => [x[0].Fmod(x[1])],
        ["fmod_int_neg"] = x => [x[0].Fmod(x[1])],
        ["floor_divide_int_neg"] = x => [x[0].FloorDivide(x[1])],
        ["floor_divide_float_neg"] = x => [x[0].FloorDivide(x[1])],
        ["div_rounding_floor_int"] = x => [x[0].Div(x[1], RoundingMode.Floor)],
        ["div_rounding_trunc_int"] = x => [x[0].Div(x[1], RoundingMode.Trunc)],
        ["atan2_quadrants"] = x => [x[0].Atan2(x[1])],
        ["clamp_min_max"] = x => [x[0].Clamp(-0.5, 0.8)],
        ["clamp_min_only"] = x => [x[0].Clamp(min: 0.0)],
        ["clamp_tensor_bounds"] = x => [x[0].Clamp(x[1], x[2])],
        ["lerp_scalar_weight"] = x => [x[0].Lerp(x[1], 0.3)],
        ["lerp_tensor_weight"] = x => [x[0].Lerp(x[1], x[2])],
        ["addcmul"] = x => [x[0].Addcmul(x[1], x[2], 0.5)],
        ["addcdiv"] = x => [x[0].Addcdiv(x[1], x[2], 2.0)],
        ["erfinv"] = x => [x[0].Erfinv()],
        ["sigmoid"] = x => [x[0].Sigmoid()],
        ["rsqrt"] = x => [x[0].Rsqrt()],
        ["round_half_to_even"] = x => [x[0].Round()],
        ["round_decimals_1"] = x => [x[0].Round(1)],
        ["sign"] = x => [x[0].Sign()],
        ["sign_int"] = x => [x[0].Sign()],
        ["eq_broadcast"] = x => [x[0].Eq(x[1])],
        ["ne_broadcast"] = x => [x[0].Ne(x[1])],
        ["lt_broadcast"] = x => [x[0] < x[1]],
        ["le_broadcast"] = x => [x[0] <= x[1]],
        ["gt_broadcast"] = x => [x[0] > x[1]],
        ["ge_broadcast"] = x => [x[0] >= x[1]],
        ["eq_scalar"] = x => [x[0].Eq(1)],
        ["gt_int_vs_float"] = x => [x[0] > x[1]],
        ["promote_int64_plus_float_scalar"] = x => [x[0] + 2.5],
        ["promote_int32_truediv_int32"] = x => [x[0] / x[1]],
        ["promote_uint8_plus_int8"] = x => [x[0] + x[1]],
        ["promote_bool_plus_int_scalar"] = x => [x[0] + 3],
        ["promote_bool_plus_int32"] = x => [x[0] + x[1]],
        ["promote_uint8_plus_int_scalar_wraps"] = x => [x[0] + 100],
        ["promote_int32_times_f64_0dim"] = x => [x[0] * x[1]],
        ["promote_f32_plus_f64_0dim"] = x => [x[0] + x[1]],
        ["promote_f16_plus_f32"] = x => [x[0] + x[1]],
        ["promote_bf16_plus_f16"] = x => [x[0] + x[1]],
        ["promote_int32_sum_is_int64"] = x => [x[0].Sum()],
        ["promote_bool_sum_is_int64"] = x => [x[0].Sum()],
        ["to_bfloat16"] = x => [x[0].To(ScalarType.BFloat16)],
        ["bfloat16_roundtrip"] = x => [x[0].To(ScalarType.BFloat16).To(ScalarType.Float32)],
        ["to_float16"] = x => [x[0].To(ScalarType.Float16)],
        ["float16_roundtrip"] = x => [x[0].To(ScalarType.Float16).To(ScalarType.Float32)],
        ["to_bfloat16_from_f64"] = x => [x[0].To(ScalarType.BFloat16)],
        ["bfloat16_add"] = x => [x[0] + x[1]],
        ["float_to_int64_truncates"] = x => [x[0].To(ScalarType.Int64)],
    };

    private static Tensor[] Pair((Tensor, Tensor) t) => [t.Item1, t.Item2];

    private static Tensor Assign(Tensor target, Tensor value, params TensorIndex[] index)
    {
        target[index] = value;
        return target;
    }

    public static TheoryData<string> OpCases => TorchFixtures.Cases(File, k => !k.StartsWith("rng/", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(OpCases))]
    public void Matches_pytorch(string @case)
    {
        Assert.True(Cases.ContainsKey(@case), $"no C# expression for fixture case '{@case}' ({TorchFixtures.Meta(File, @case).GetProperty("python")})");
        var fixture = TorchFixtures.Open(File);
        using var scope = Torch.NewDisposeScope();
        var inputs = Enumerable.Range(0, 10).TakeWhile(i => fixture.Contains($"{@case}/in.{i}"))
            .Select(i => fixture[$"{@case}/in.{i}"].Clone()).ToArray();
        var outputs = Cases[@case](inputs);
        var expectedCount = Enumerable.Range(0, 10).Count(i => fixture.Contains($"{@case}/out.{i}"));
        Assert.Equal(expectedCount, outputs.Length);
        for (var j = 0; j < outputs.Length; j++)
            Compare.Close(outputs[j], fixture[$"{@case}/out.{j}"], 1e-6, 1e-5, $"{@case} out.{j}");
    }

    [Fact]
    public void Every_implemented_case_exists_in_the_fixture()
    {
        var fixture = TorchFixtures.Open(File);
        var stale = Cases.Keys.Where(k => !fixture.Metadata.ContainsKey(k)).ToList();
        Assert.True(stale.Count == 0, "cases no longer in the fixture: " + string.Join(", ", stale));
    }
}
