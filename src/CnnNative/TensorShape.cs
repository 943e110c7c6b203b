using System.Globalization;
using System.Text;
using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// An immutable tensor shape: 1 to 8 dimensions, each at least 1, outermost first (NCHW for images).
/// </summary>
public sealed class TensorShape : IEquatable<TensorShape>
{
    private readonly int[] _dimensions;

    /// <summary>Creates a shape from its dimensions, outermost first, e.g. <c>new TensorShape(64, 3, 28, 28)</c>.</summary>
    /// <exception cref="ArgumentException">The shape is empty, has more than 8 dimensions, a dimension below 1,
    /// or more elements than a long can count.</exception>
    public TensorShape(params int[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        _dimensions = (int[])dimensions.Clone();
        if (_dimensions.Length == 0)
            throw new ArgumentException("Invalid tensor shape []: a shape needs at least one dimension.", nameof(dimensions));
        if (_dimensions.Length > NativeMethods.CNN_MAX_RANK)
            throw new ArgumentException(
                $"Invalid tensor shape {Format(_dimensions)}: rank {_dimensions.Length} exceeds the maximum {NativeMethods.CNN_MAX_RANK}.",
                nameof(dimensions));
        long count = 1;
        for (int i = 0; i < _dimensions.Length; i++)
        {
            if (_dimensions[i] < 1)
                throw new ArgumentException(
                    $"Invalid tensor shape {Format(_dimensions)}: dimension {i} is {_dimensions[i]}; every dimension must be at least 1.",
                    nameof(dimensions));
            try
            {
                count = checked(count * _dimensions[i]);
            }
            catch (OverflowException e)
            {
                throw new ArgumentException($"Invalid tensor shape {Format(_dimensions)}: too many elements to count.", nameof(dimensions), e);
            }
        }
        ElementCount = count;
    }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dimensions.Length;

    /// <summary>The size of dimension <paramref name="index"/> (0 is outermost).</summary>
    public int this[int index] => _dimensions[index];

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Dimensions => _dimensions;

    /// <summary>Number of elements: the product of the dimensions.</summary>
    public long ElementCount { get; }

    /// <summary>This shape with <paramref name="batchSize"/> prepended: [1, 28, 28] becomes [N, 1, 28, 28].</summary>
    public TensorShape WithBatch(int batchSize)
    {
        var dimensions = new int[_dimensions.Length + 1];
        dimensions[0] = batchSize;
        _dimensions.CopyTo(dimensions, 1);
        return new TensorShape(dimensions);
    }

    /// <summary>This shape without its first (batch) dimension; the shape must have rank 2 or more.</summary>
    public TensorShape WithoutBatch()
    {
        if (Rank < 2)
            throw new InvalidOperationException($"Shape {this} has no dimensions besides the batch.");
        return new TensorShape(_dimensions[1..]);
    }

    /// <inheritdoc />
    public bool Equals(TensorShape? other) =>
        other is not null && _dimensions.AsSpan().SequenceEqual(other._dimensions);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int d in _dimensions) hash.Add(d);
        return hash.ToHashCode();
    }

    /// <summary>Shapes are equal when their dimensions are.</summary>
    public static bool operator ==(TensorShape? left, TensorShape? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Shapes differ when their dimensions do.</summary>
    public static bool operator !=(TensorShape? left, TensorShape? right) => !(left == right);

    /// <summary>The shape as <c>[64, 3, 28, 28]</c>.</summary>
    public override string ToString() => Format(_dimensions);

    /// <summary>The shape with the batch dimension written as N: <c>[N, 3, 28, 28]</c>.</summary>
    internal string ToBatchString() => Format(_dimensions, batchSymbol: "N");

    internal static string Format(ReadOnlySpan<int> dimensions, string? batchSymbol = null)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < dimensions.Length; i++)
        {
            if (i > 0) text.Append(", ");
            if (i == 0 && batchSymbol is not null) text.Append(batchSymbol);
            else text.Append(dimensions[i].ToString(CultureInfo.InvariantCulture));
        }
        return text.Append(']').ToString();
    }
}
