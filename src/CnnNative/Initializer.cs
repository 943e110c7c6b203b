namespace CnnNative;

/// <summary>How <see cref="Conv2d"/> and <see cref="Dense"/> weights are drawn from the model's seed (biases start at 0).</summary>
public enum Initializer
{
    /// <summary>He normal when a ReLU, leaky ReLU or ELU follows the layer (seen through pooling, dropout,
    /// flatten and batch norm), Glorot uniform otherwise.</summary>
    Automatic = 0,

    /// <summary>Normal with mean 0 and standard deviation sqrt(2 / fanIn).</summary>
    HeNormal = 1,

    /// <summary>Uniform in [-limit, limit) with limit sqrt(6 / fanIn).</summary>
    HeUniform = 2,

    /// <summary>Normal with mean 0 and standard deviation sqrt(2 / (fanIn + fanOut)).</summary>
    GlorotNormal = 3,

    /// <summary>Uniform in [-limit, limit) with limit sqrt(6 / (fanIn + fanOut)).</summary>
    GlorotUniform = 4,
}
