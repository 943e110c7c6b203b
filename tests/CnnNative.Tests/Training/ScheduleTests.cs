namespace CnnNative.Tests.Training;

public class ScheduleTests
{
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(2, 1.0)]
    [InlineData(3, 0.5)]
    [InlineData(5, 0.5)]
    [InlineData(6, 0.25)]
    [InlineData(31, 0.0009765625)] // 0.5^10
    public void StepDecayMultipliesByGammaEveryStepSize(long step, double expected)
    {
        Assert.Equal(expected, new StepDecay(3, 0.5f).Factor(step), 1e-7);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(5, 0.55)]                 // 0.1 + 0.9 * (1 + cos(pi/2)) / 2
    [InlineData(2, 0.9140576474687264)]   // 0.1 + 0.9 * (1 + cos(0.2 pi)) / 2 = 0.1 + 0.9 * 0.9045085
    [InlineData(10, 0.1)]
    [InlineData(1000, 0.1)]
    public void CosineDecayFallsFromOneToMinFactor(long step, double expected)
    {
        Assert.Equal(expected, new CosineDecay(10, minFactor: 0.1f).Factor(step), 1e-6);
    }

    [Theory]
    [InlineData(0, 0.25)]
    [InlineData(1, 0.5)]
    [InlineData(3, 1.0)]
    [InlineData(4, 1.0)]
    [InlineData(100, 1.0)]
    public void LinearWarmupRampsToOne(long step, double expected)
    {
        Assert.Equal(expected, new LinearWarmup(4).Factor(step), 1e-7);
    }

    [Theory]
    [InlineData(3, 1.0)]   // last warm-up step
    [InlineData(4, 1.0)]   // cosine step 0
    [InlineData(9, 0.5)]   // cosine step 5 of 10
    [InlineData(14, 0.0)]  // cosine step 10
    public void LinearWarmupHandsOverToTheNextScheduleCountedFromItsEnd(long step, double expected)
    {
        Assert.Equal(expected, new LinearWarmup(4, new CosineDecay(10)).Factor(step), 1e-6);
    }

    [Fact]
    public void LearningRateIsBaseTimesFactorAndTheOptimizerReportsIt()
    {
        var schedule = new StepDecay(1, 0.1f);
        var sgd = new Sgd(0.5f) { Schedule = schedule };

        Assert.Equal(0.05f, schedule.LearningRate(0.5f, 1), 1e-6);
        Assert.Equal(0.5f, sgd.CurrentLearningRate);
        sgd.Step = 2;
        Assert.Equal(0.005f, sgd.CurrentLearningRate, 1e-6);
        sgd.Schedule = null;
        Assert.Equal(0.5f, sgd.CurrentLearningRate);
    }

    [Fact]
    public void InvalidArgumentsAreRejectedWithTheirValues()
    {
        Assert.Contains("stepSize must be at least 1; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(0, 0.5f)).Message);
        Assert.Contains("gamma must be finite and greater than 0; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(1, 0f)).Message);
        Assert.Contains("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(1, float.NaN)).Message);
        Assert.Contains("totalSteps must be at least 1; got -3", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineDecay(-3)).Message);
        Assert.Contains("minFactor must be in [0, 1]; got 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineDecay(10, 1.5f)).Message);
        Assert.Contains("warmupSteps must be at least 1; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(0)).Message);
        Assert.Contains("step must be at least 0; got -1", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineDecay(5).Factor(-1)).Message);
    }

    [Fact]
    public void OptimizerArgumentsAreValidated()
    {
        Assert.Contains("LearningRate must be finite and at least 0; got -0.1", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-0.1f)).Message);
        Assert.Contains("momentum must be in [0, 1); got 1", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: 1f)).Message);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => new Sgd(0.1f, nesterov: true)).Message);
        Assert.Contains("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, weightDecay: -1f)).Message);
        Assert.Contains("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f)).Message);
        Assert.Contains("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(beta2: -0.1f)).Message);
        Assert.Contains("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(epsilon: 0f)).Message);
        Assert.Contains("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam().LearningRate = float.NaN).Message);
        Assert.Equal(0.01f, new AdamW().WeightDecay);
        Assert.Equal(0f, new Adam().WeightDecay);
        Assert.True(new AdamW().DecoupledWeightDecay);
    }
}
