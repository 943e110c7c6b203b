namespace CnnNative;

/// <summary>What <see cref="Sequential.LoadWeights"/> did with one tensor.</summary>
public enum WeightLoadStatus
{
    /// <summary>The file's values were copied into the model's tensor.</summary>
    Loaded,

    /// <summary>The model has the tensor but the file does not; the model's values are unchanged.</summary>
    MissingInFile,

    /// <summary>The file has the tensor but the model does not; it was ignored.</summary>
    MissingInModel,

    /// <summary>Both have the tensor with different shapes; the model's values are unchanged.</summary>
    Mismatched,
}
