namespace CnnNative.Tests;

public class TensorShapeTests
{
    [Fact]
    public void ExposesRankDimensionsAndElementCount()
    {
        var shape = new TensorShape(64, 3, 28, 28);

        Assert.Equal(4, shape.Rank);
        Assert.Equal(3, shape[1]);
        Assert.Equal(64L * 3 * 28 * 28, shape.ElementCount);
        Assert.Equal("[64, 3, 28, 28]", shape.ToString());
    }

    [Fact]
    public void IsImmutableAgainstTheCallersArray()
    {
        int[] dims = [2, 3];
        var shape = new TensorShape(dims);
        dims[0] = 99;

        Assert.Equal(2, shape[0]);
    }

    [Fact]
    public void EqualityFollowsDimensions()
    {
        var a = new TensorShape(2, 3, 4);
        var b = new TensorShape(2, 3, 4);
        var c = new TensorShape(2, 4, 3);

        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a != c);
        Assert.False(a.Equals(null));
        Assert.NotEqual(new TensorShape(6), new TensorShape(6, 1));
    }

    [Fact]
    public void BatchHelpersAddAndRemoveTheFirstDimension()
    {
        var sample = new TensorShape(1, 28, 28);

        Assert.Equal(new TensorShape(64, 1, 28, 28), sample.WithBatch(64));
        Assert.Equal(sample, sample.WithBatch(64).WithoutBatch());
    }

    [Theory]
    [InlineData(new[] { 3, 0, 5 }, "[3, 0, 5]", "dimension 1 is 0")]
    [InlineData(new[] { -2 }, "[-2]", "dimension 0 is -2")]
    [InlineData(new int[0], "[]", "at least one dimension")]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, "[1, 1, 1, 1, 1, 1, 1, 1, 1]", "rank 9 exceeds the maximum 8")]
    public void RejectsInvalidShapesNamingThem(int[] dims, string shapeText, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorShape(dims));

        Assert.Contains(shapeText, e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void ElementCountOverflowIsAnArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorShape(int.MaxValue, int.MaxValue, int.MaxValue));

        Assert.Contains("[2147483647, 2147483647, 2147483647]", e.Message);
    }
}
