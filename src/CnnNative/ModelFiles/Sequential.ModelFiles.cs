namespace CnnNative;

/// <summary>Saving and loading models in CnnNative's own model file format (see <c>ModelFileFormat</c>).</summary>
public sealed partial class Sequential
{
    /// <summary>
    /// Saves the model — input shape, seed, every layer's type, name, frozen flag and constructor arguments, and every
    /// parameter and buffer — to <paramref name="path"/>. The file is written to a temporary file in the
    /// same folder, flushed to disk and renamed over <paramref name="path"/>, so a crash or a full disk
    /// leaves the previous file intact; on failure the temporary file is deleted. Do not train the model
    /// on another thread while it is being saved.
    /// </summary>
    /// <exception cref="ModelFileException">A layer type cannot be saved, or the file cannot be written; the message names the file.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ModelFileWriter writer = ModelFileWriter.Create(this, path);
        try
        {
            AtomicFile.Write(path, writer.WriteTo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not ModelFileException)
        {
            throw ModelFileFormat.Error(path, $"cannot be written: {e.Message}", e);
        }
    }

    /// <summary>
    /// Rebuilds a model saved by <see cref="Save"/>: the same layers with the same names, settings and frozen flags, the
    /// same input shape and seed, and the saved parameters and buffers, on <paramref name="device"/>.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="device">Where the model runs; null means <see cref="CnnNative.Device.Cpu"/>.</param>
    /// <exception cref="ModelFileException">The file is missing, not a model file, from a newer format version,
    /// truncated, corrupt, names an unknown layer type or holds invalid settings; the message names the file and the problem.</exception>
    public static Sequential Load(string path, Device? device = null)
    {
        ModelFileContents contents = ModelFileReader.Read(path);
        ModelFileHeader header = contents.Header;
        var layers = new List<Layer>(header.Layers.Count);
        Sequential? model = null;
        try
        {
            foreach (LayerSpec spec in header.Layers) layers.Add(CreateLayer(path, spec));
            try
            {
                model = new Sequential(header.InputShape, layers, header.Seed, device);
            }
            catch (ArgumentException e)
            {
                throw ModelFileFormat.Error(path, $"describes a model that cannot be built: {e.Message}", e);
            }

            var (report, copies) = PlanWeights(model, path, contents);
            if (!report.IsComplete)
                throw ModelFileFormat.Error(path, $"does not hold exactly the tensors its layers need.{Environment.NewLine}{report}");
            foreach (var (target, values) in copies) target.CopyFrom(values);
            return model;
        }
        catch
        {
            if (model is not null) model.Dispose();
            else foreach (Layer layer in layers) layer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the parameters and buffers of the model file at <paramref name="path"/> into this model by name
    /// ("&lt;layer name&gt;.&lt;tensor name&gt;"), e.g. to start from a trained model with a different head. The
    /// file's layer configuration is not used. Tensors only one side has are skipped; tensors with the same
    /// name but different shapes are mismatched. Nothing is copied when the load fails.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="skipMismatched">True leaves mismatched tensors unchanged and loads the rest; false throws.</param>
    /// <returns>What happened to every tensor, by layer.</returns>
    /// <exception cref="ModelFileException">The file cannot be read, or a tensor is mismatched and
    /// <paramref name="skipMismatched"/> is false; the message holds the report.</exception>
    public WeightLoadReport LoadWeights(string path, bool skipMismatched = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ModelFileContents contents = ModelFileReader.Read(path);
        var (report, copies) = PlanWeights(this, path, contents);
        if (report.Mismatched.Count > 0 && !skipMismatched)
            throw ModelFileFormat.Error(path,
                $"has {report.Mismatched.Count} tensor(s) whose shapes differ from the model's; nothing was loaded " +
                $"(pass skipMismatched: true to load the rest).{Environment.NewLine}{report}");
        foreach (var (target, values) in copies) target.CopyFrom(values);
        return report;
    }

    private static Layer CreateLayer(string path, LayerSpec spec)
    {
        LayerRegistration entry = LayerRegistry.Find(spec.TypeName) ?? throw ModelFileFormat.Error(path,
            $"has {spec} of unknown layer type \"{spec.TypeName}\"; this library knows {string.Join(", ", LayerRegistry.TypeNames)}.");
        Layer layer;
        try
        {
            layer = entry.Create(new ConfigReader(spec.Config));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw ModelFileFormat.Error(path, $"has {spec} with an invalid configuration: {e.Message}", e);
        }
        layer.Name = spec.Name;
        if (spec.Frozen == true) layer.Freeze();
        return layer;
    }

    /// <summary>Matches the model's tensors with the file's by full name; the copies are the loadable ones.</summary>
    private static (WeightLoadReport Report, List<(Tensor Target, float[] Values)> Copies) PlanWeights(
        Sequential model, string path, ModelFileContents contents)
    {
        var stored = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < contents.Header.Tensors.Count; i++) stored[contents.Header.Tensors[i].Name] = i;

        var entries = new List<WeightLoadEntry>();
        var copies = new List<(Tensor, float[])>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (Layer layer in model._layers)
        {
            foreach (NamedTensor tensor in layer.Parameters.Concat(layer.Buffers))
            {
                string fullName = $"{layer.Name}.{tensor.Name}";
                TensorShape modelShape = tensor.Value.Shape;
                if (!stored.TryGetValue(fullName, out int index))
                {
                    entries.Add(new WeightLoadEntry(layer.Name, tensor.Name, WeightLoadStatus.MissingInFile, null, modelShape));
                    continue;
                }
                used.Add(fullName);
                TensorShape fileShape = contents.Header.Tensors[index].Shape;
                bool fits = fileShape == modelShape;
                entries.Add(new WeightLoadEntry(layer.Name, tensor.Name,
                    fits ? WeightLoadStatus.Loaded : WeightLoadStatus.Mismatched, fileShape, modelShape));
                if (fits) copies.Add((tensor.Value, contents.Data[index]));
            }
        }
        foreach (TensorSpec spec in contents.Header.Tensors)
        {
            if (!used.Contains(spec.Name))
                entries.Add(new WeightLoadEntry(spec.LayerName, spec.TensorName, WeightLoadStatus.MissingInModel, spec.Shape, null));
        }
        return (new WeightLoadReport(path, entries), copies);
    }
}
