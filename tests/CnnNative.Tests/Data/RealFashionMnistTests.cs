using CnnNative.Data;

namespace CnnNative.Tests.Data;

/// <summary>The real Fashion-MNIST, installed by native/setup.sh (Debian package dataset-fashion-mnist).</summary>
public class RealFashionMnistTests
{
    [Fact]
    public void LoadsSixtyThousandAndTenThousandBalancedSamples()
    {
        if (!Directory.Exists(FashionMnist.DefaultFolder))
            Assert.Fail($"{FashionMnist.DefaultFolder} does not exist: run native/setup.sh, which installs the Debian " +
                $"package {FashionMnist.DebianPackage} (or `sudo apt-get install {FashionMnist.DebianPackage}`).");

        DatasetSplit split = FashionMnist.Load();

        Assert.Equal(60000, split.Train.Count);
        Assert.Equal(10000, split.Test.Count);
        Assert.Equal(new TensorShape(1, 28, 28), split.Train.SampleShape);
        Assert.Equal(new TensorShape(1, 28, 28), split.Test.SampleShape);
        int[] trainPerClass = new int[10], testPerClass = new int[10];
        foreach (int label in split.Train.Labels) trainPerClass[label]++; // labels outside 0..9 would throw here
        foreach (int label in split.Test.Labels) testPerClass[label]++;
        Assert.All(trainPerClass, n => Assert.Equal(6000, n));
        Assert.All(testPerClass, n => Assert.Equal(1000, n));
        // The well-known statistics of the training pixels (byte / 255).
        Assert.Equal(0.2860, split.Normalization.Mean[0], 3);
        Assert.Equal(0.3530, split.Normalization.Std[0], 3);
        Assert.Equal("Ankle boot", split.Train.ClassNames![9]);
    }
}
