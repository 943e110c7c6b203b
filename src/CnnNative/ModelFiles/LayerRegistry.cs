using System.Text.Json;

namespace CnnNative;

/// <summary>
/// The one table of layer types a model file can hold. Adding a layer type is one <see cref="Entry{T}"/>
/// line: the names written must be the names read, and the stored values are the constructor arguments.
/// </summary>
internal static class LayerRegistry
{
    private static readonly LayerRegistration[] s_entries =
    [
        Entry<Conv2d>(
            static (l, w) =>
            {
                w.WriteNumber("inChannels", l.InChannels);
                w.WriteNumber("outChannels", l.OutChannels);
                w.WriteNumber("kernelHeight", l.KernelHeight);
                w.WriteNumber("kernelWidth", l.KernelWidth);
                w.WriteNumber("strideHeight", l.StrideHeight);
                w.WriteNumber("strideWidth", l.StrideWidth);
                w.WriteNumber("padTop", l.PadTop);
                w.WriteNumber("padBottom", l.PadBottom);
                w.WriteNumber("padLeft", l.PadLeft);
                w.WriteNumber("padRight", l.PadRight);
                w.WriteNumber("dilationHeight", l.DilationHeight);
                w.WriteNumber("dilationWidth", l.DilationWidth);
                w.WriteBoolean("bias", l.Bias is not null);
            },
            static c => new Conv2d(c.Int("inChannels"), c.Int("outChannels"),
                (c.Int("kernelHeight"), c.Int("kernelWidth")),
                (c.Int("strideHeight"), c.Int("strideWidth")),
                (c.Int("padTop"), c.Int("padBottom"), c.Int("padLeft"), c.Int("padRight")),
                (c.Int("dilationHeight"), c.Int("dilationWidth")),
                c.Bool("bias"))),
        Entry<Dense>(
            static (l, w) =>
            {
                w.WriteNumber("inFeatures", l.InFeatures);
                w.WriteNumber("outFeatures", l.OutFeatures);
                w.WriteBoolean("bias", l.Bias is not null);
            },
            static c => new Dense(c.Int("inFeatures"), c.Int("outFeatures"), c.Bool("bias"))),
        Entry<MaxPool2d>(
            static (l, w) =>
            {
                w.WriteNumber("kernelSize", l.KernelSize);
                w.WriteNumber("stride", l.Stride);
                w.WriteNumber("padding", l.Padding);
            },
            static c => new MaxPool2d(c.Int("kernelSize"), c.Int("stride"), c.Int("padding"))),
        Entry<AvgPool2d>(
            static (l, w) =>
            {
                w.WriteNumber("kernelSize", l.KernelSize);
                w.WriteNumber("stride", l.Stride);
                w.WriteNumber("padding", l.Padding);
                w.WriteBoolean("countIncludePad", l.CountIncludePad);
            },
            static c => new AvgPool2d(c.Int("kernelSize"), c.Int("stride"), c.Int("padding"), c.Bool("countIncludePad"))),
        Entry<GlobalAvgPool2d>(static (_, _) => { }, static _ => new GlobalAvgPool2d()),
        Entry<ReLU>(static (_, _) => { }, static _ => new ReLU()),
        Entry<LeakyReLU>(static (l, w) => w.WriteNumber("alpha", l.Alpha), static c => new LeakyReLU(c.Float("alpha"))),
        Entry<ELU>(static (l, w) => w.WriteNumber("alpha", l.Alpha), static c => new ELU(c.Float("alpha"))),
        Entry<Sigmoid>(static (_, _) => { }, static _ => new Sigmoid()),
        Entry<Tanh>(static (_, _) => { }, static _ => new Tanh()),
        Entry<Softmax>(static (_, _) => { }, static _ => new Softmax()),
        Entry<Flatten>(static (_, _) => { }, static _ => new Flatten()),
        Entry<BatchNorm2d>(
            static (l, w) =>
            {
                w.WriteNumber("numFeatures", l.NumFeatures);
                w.WriteNumber("momentum", l.Momentum);
                w.WriteNumber("epsilon", l.Epsilon);
            },
            static c => new BatchNorm2d(c.Int("numFeatures"), c.Float("momentum"), c.Float("epsilon"))),
        Entry<Dropout>(static (l, w) => w.WriteNumber("rate", l.Rate), static c => new Dropout(c.Float("rate"))),
    ];

    private static readonly Dictionary<string, LayerRegistration> s_byName =
        s_entries.ToDictionary(static e => e.TypeName, StringComparer.Ordinal);

    private static readonly Dictionary<Type, LayerRegistration> s_byType = s_entries.ToDictionary(static e => e.LayerType);

    /// <summary>The type names a model file may contain, in registry order.</summary>
    public static IEnumerable<string> TypeNames => s_entries.Select(static e => e.TypeName);

    /// <summary>The entry for <paramref name="layer"/>'s class, or null when it cannot be saved.</summary>
    public static LayerRegistration? Find(Layer layer) => s_byType.GetValueOrDefault(layer.GetType());

    /// <summary>The entry stored under <paramref name="typeName"/>, or null for an unknown type.</summary>
    public static LayerRegistration? Find(string typeName) => s_byName.GetValueOrDefault(typeName);

    private static LayerRegistration Entry<T>(Action<T, Utf8JsonWriter> writeConfig, Func<ConfigReader, T> create)
        where T : Layer =>
        new(typeof(T).Name, typeof(T), (layer, writer) => writeConfig((T)layer, writer), config => create(config));
}
