using CnnNative.Interop;

namespace CnnNative.Tests.Training;

/// <summary>
/// Runs one layer on its own through its internal training API, with the objective Σ y * r for a fixed random
/// r, so the output gradient is r and every analytic gradient can be checked by finite differences.
/// </summary>
internal sealed class LayerProbe : IDisposable
{
    private readonly float[] _weights;
    private readonly Tensor[]? _state;

    public LayerProbe(Layer layer, TensorShape inputShape, Random random, bool training = true, ulong seed = 12345,
        Device? device = null)
    {
        Layer = layer;
        Device = device ?? Device.Cpu;
        Input = new Tensor(Device, inputShape);
        Output = new Tensor(Device, layer.OutputShape(inputShape));
        OutputGradient = new Tensor(Device, Output.Shape);
        InputGradient = new Tensor(Device, inputShape);
        _state = layer.CreateTrainingState(Device, inputShape);
        Pass = new TrainingPass(training, seed);
        _weights = NaiveReference.RandomArray(random, (int)Output.ElementCount);
        GradientCheck.Randomize(Input, random, -2f, 2f);
        foreach (NamedTensor parameter in layer.Parameters) GradientCheck.Randomize(parameter.Value, random);
        layer.MoveTo(Device);
        layer.AllocateGradients();
    }

    public Layer Layer { get; }
    public Device Device { get; }
    public Tensor Input { get; }
    public Tensor Output { get; }
    public Tensor OutputGradient { get; }
    public Tensor InputGradient { get; }
    public TrainingPass Pass { get; }

    /// <summary>Forward pass, then Σ y * r in double.</summary>
    public double Objective()
    {
        Layer.ForwardTraining(Device, Input, Output, Pass, _state);
        return GradientCheck.Dot(Output.ToArray(), _weights);
    }

    /// <summary>Forward, then backward with dy = r; returns the input gradient (empty when not asked for).</summary>
    public float[] Backward(bool wantInputGradient = true)
    {
        Objective();
        OutputGradient.CopyFrom(_weights);
        GradientCheck.Fill(InputGradient, float.NaN); // anything not written would show
        Layer.Backward(Device, Input, Output, OutputGradient, wantInputGradient ? InputGradient.Handle : TensorHandle.Null,
            Pass, _state);
        return wantInputGradient ? InputGradient.ToArray() : [];
    }

    /// <summary>Checks dx and every parameter gradient of the layer.</summary>
    public void CheckAll(string context, Random random, Func<int, bool>? skipInput = null, bool detectKinks = false,
        double absTol = 5e-3, double relTol = 5e-3)
    {
        float[] dx = Backward();
        float[][] gradients = Layer.Gradients.Select(g => g.Value.ToArray()).ToArray();
        GradientCheck.Check($"{context} dx", Input, dx, Objective, random, skip: skipInput, detectKinks: detectKinks,
            absTol: absTol, relTol: relTol);
        for (int i = 0; i < gradients.Length; i++)
            GradientCheck.Check($"{context} d{Layer.Parameters[i].Name}", Layer.Parameters[i].Value, gradients[i], Objective, random,
                detectKinks: detectKinks, absTol: absTol, relTol: relTol);
    }

    public void Dispose()
    {
        Layer.Dispose();
        Input.Dispose();
        Output.Dispose();
        OutputGradient.Dispose();
        InputGradient.Dispose();
        if (_state is not null)
            foreach (Tensor? tensor in _state) tensor?.Dispose();
    }
}
