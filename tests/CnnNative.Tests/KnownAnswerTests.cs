namespace CnnNative.Tests;

/// <summary>Small cases whose answers were worked out by hand (the arithmetic is in the comments).</summary>
public class KnownAnswerTests
{
    [Fact]
    public void TopEdgeFilterThenReluMatchesHandComputation()
    {
        // Image (1 channel, 5x5):          Filter (top edge):   bias 0.5
        //   r0: 9 8 7 6 5                    1  1  1
        //   r1: 1 2 3 4 5                    0  0  0
        //   r2: 0 1 0 1 0                   -1 -1 -1
        //   r3: 5 5 5 5 5
        //   r4: 2 0 2 0 2
        // No padding, stride 1 -> 3x3 output; out[i][j] = S(r_i, j) - S(r_{i+2}, j) + 0.5 where
        // S(r, j) = r[j] + r[j+1] + r[j+2]:
        //   S(r0) = 24 21 18, S(r1) = 6 9 12, S(r2) = 1 2 1, S(r3) = 15 15 15, S(r4) = 4 2 4
        //   row 0: 24-1, 21-2, 18-1 = 23 19 17      -> +0.5 = 23.5 19.5 17.5
        //   row 1: 6-15, 9-15, 12-15 = -9 -6 -3     -> -8.5 -5.5 -2.5
        //   row 2: 1-4, 2-2, 1-4 = -3 0 -3          -> -2.5  0.5 -2.5
        // ReLU zeroes the negatives.
        float[] image =
        [
            9, 8, 7, 6, 5,
            1, 2, 3, 4, 5,
            0, 1, 0, 1, 0,
            5, 5, 5, 5, 5,
            2, 0, 2, 0, 2,
        ];
        var conv = new Conv2d(inChannels: 1, outChannels: 1, kernelSize: 3);
        using var model = new Sequential(new TensorShape(1, 5, 5), conv, new ReLU());
        conv.Weight.CopyFrom([1, 1, 1, 0, 0, 0, -1, -1, -1]);
        conv.Bias!.CopyFrom([0.5f]);

        float[] output = model.Predict(image);

        Assert.Equal(new TensorShape(1, 3, 3), model.OutputShape);
        Assert.Equal([23.5f, 19.5f, 17.5f, 0, 0, 0, 0, 0.5f, 0], output);
    }

    [Fact]
    public void MaxPool2x2OfKnown4x4()
    {
        //  1  3 |  2  4       max of each 2x2 block:
        //  5  6 |  1  0         [1 3 5 6] -> 6    [2 4 1 0] -> 4
        // ------+------
        //  7  2 | -9 -8         [7 2 0 1] -> 7    [-9 -8 -3 -1] -> -1
        //  0  1 | -3 -1
        float[] input =
        [
            1, 3, 2, 4,
            5, 6, 1, 0,
            7, 2, -9, -8,
            0, 1, -3, -1,
        ];
        using var model = new Sequential(new TensorShape(1, 4, 4), new MaxPool2d(kernelSize: 2));

        float[] output = model.Predict(input);

        Assert.Equal(new TensorShape(1, 2, 2), model.OutputShape);
        Assert.Equal([6f, 4f, 7f, -1f], output);
    }

    [Fact]
    public void SixFiveByFiveFiltersOn32x32x3GiveSix28x28MapsWithHandComputedValue()
    {
        // Input 3x32x32: channel 0 holds the row index h, channel 1 the column index w, channel 2 is all 1.
        // Filter 3: channel 0 is the 5x5 identity (1 on the diagonal), channel 1 is 0 except tap (0, 4) = 2,
        // channel 2 is 0.5 everywhere; bias -1. Output (filter 3, row 10, col 20), window rows 10..14, cols 20..24:
        //   channel 0: sum over k = 0..4 of x0[10+k][20+k] = 10+11+12+13+14      = 60
        //   channel 1: 2 * x1[10][24] = 2 * 24                                    = 48
        //   channel 2: 0.5 * 25 taps * 1                                          = 12.5
        //   + bias -1                                                       total = 119.5
        // Filter 0 has zero weights and bias 0.25, so its whole map is 0.25.
        // Output size: (32 - 5) / 1 + 1 = 28 on both axes.
        var input = new float[3 * 32 * 32];
        for (int h = 0; h < 32; h++)
        for (int w = 0; w < 32; w++)
        {
            input[(0 * 32 + h) * 32 + w] = h;
            input[(1 * 32 + h) * 32 + w] = w;
            input[(2 * 32 + h) * 32 + w] = 1;
        }
        var conv = new Conv2d(inChannels: 3, outChannels: 6, kernelSize: 5);
        using var model = new Sequential(new TensorShape(3, 32, 32), conv);
        Span<float> weights = conv.Weight.AsSpan(); // [6, 3, 5, 5]
        weights.Clear();
        for (int k = 0; k < 5; k++) weights[((3 * 3 + 0) * 5 + k) * 5 + k] = 1;
        weights[((3 * 3 + 1) * 5 + 0) * 5 + 4] = 2;
        weights.Slice((3 * 3 + 2) * 25, 25).Fill(0.5f);
        conv.Bias!.CopyFrom([0.25f, 0, 0, -1, 0, 0]);

        float[] output = model.Predict(input);

        Assert.Equal(new TensorShape(6, 28, 28), model.OutputShape);
        Assert.Equal(6 * 28 * 28, output.Length);
        Assert.Equal(119.5f, output[(3 * 28 + 10) * 28 + 20], 1e-4f);
        Assert.All(output.AsSpan(0, 28 * 28).ToArray(), v => Assert.Equal(0.25f, v));
    }

    [Fact]
    public void SoftmaxOfKnownLogits()
    {
        // softmax([0, ln 2, ln 5]) = [1, 2, 5] / 8 = [0.125, 0.25, 0.625]
        using var model = new Sequential(new TensorShape(3), new Softmax());

        float[] output = model.Predict([0f, MathF.Log(2), MathF.Log(5)]);

        Assert.Equal(0.125f, output[0], 1e-6f);
        Assert.Equal(0.25f, output[1], 1e-6f);
        Assert.Equal(0.625f, output[2], 1e-6f);
    }

    [Fact]
    public void AveragePoolingCountsPaddingOnlyWhenAsked()
    {
        // 2x2 input [[1, 2], [3, 4]], kernel 2, stride 2, padding 1 -> 2x2 output; each window holds one
        // input cell and three padding cells. count_include_pad: cell / 4 = 0.25 0.5 0.75 1;
        // without: cell / 1 = 1 2 3 4.
        float[] input = [1, 2, 3, 4];
        using var included = new Sequential(new TensorShape(1, 2, 2), new AvgPool2d(2, stride: 2, padding: 1, countIncludePad: true));
        using var excluded = new Sequential(new TensorShape(1, 2, 2), new AvgPool2d(2, stride: 2, padding: 1));

        Assert.Equal([0.25f, 0.5f, 0.75f, 1f], included.Predict(input));
        Assert.Equal([1f, 2f, 3f, 4f], excluded.Predict(input));
    }

    [Fact]
    public void DenseComputesWeightsTimesInputPlusBias()
    {
        // W = [[1, 2, 3], [-1, 0, 1]], b = [0.5, -2], x = [1, 10, 100]
        // y0 = 1 + 20 + 300 + 0.5 = 321.5; y1 = -1 + 0 + 100 - 2 = 97
        var dense = new Dense(inFeatures: 3, outFeatures: 2);
        using var model = new Sequential(new TensorShape(3), dense);
        dense.Weight.CopyFrom([1, 2, 3, -1, 0, 1]);
        dense.Bias!.CopyFrom([0.5f, -2f]);

        Assert.Equal([321.5f, 97f], model.Predict([1f, 10f, 100f]));
    }
}
