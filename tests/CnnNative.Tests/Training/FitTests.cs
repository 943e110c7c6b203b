using CnnNative.Data;
using CnnNative.Training;

namespace CnnNative.Tests.Training;

/// <summary>Fit and Evaluate end to end on small generated data: learning, history export, callbacks,
/// validation, divergence and checkpoints, and the errors a caller can make.</summary>
public class FitTests
{
    /// <summary>Four classes of 1x6x6 images: a bright 3x3 square in one of the four quadrants, plus noise.</summary>
    private static (float[] Images, int[] Labels) Quadrants(int count, int seed)
    {
        var random = new Random(seed);
        var images = new float[count * 36];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 4;
            labels[i] = label;
            int top = label / 2 * 3, left = label % 2 * 3;
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 6; x++)
                {
                    bool inside = y >= top && y < top + 3 && x >= left && x < left + 3;
                    images[i * 36 + y * 6 + x] = (inside ? 1f : 0f) + 0.3f * (random.NextSingle() - 0.5f);
                }
        }
        return (images, labels);
    }

    private static Dataset QuadrantData(int count, int seed, string name = "quadrants")
    {
        var (images, labels) = Quadrants(count, seed);
        return new Dataset(images, labels, new TensorShape(1, 6, 6), classCount: 4, name);
    }

    private static Sequential Net(int seed = 7) => new(new TensorShape(1, 6, 6),
        [new Conv2d(1, 4, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(), new Dense(36, 4)],
        seed: seed);

    [Fact]
    public void FitLearnsTheQuadrantsAndEvaluateCountsAConfusionMatrix()
    {
        Dataset train = QuadrantData(96, seed: 1), test = QuadrantData(40, seed: 2, "quadrants test");
        using Sequential model = Net();
        model.Compile(new Adam(0.02f), Loss.CrossEntropy);
        var epochsSeen = new List<int>();
        int batchesSeen = 0;

        TrainingHistory history = model.Fit(train, new FitOptions
        {
            Epochs = 8, BatchSize = 16, Validation = test,
            OnEpoch = m => epochsSeen.Add(m.Epoch), OnBatch = _ => batchesSeen++,
        });
        EvaluationResult result = model.Evaluate(test, batchSize: 7);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], epochsSeen);
        Assert.Equal(8 * 6, batchesSeen); // 96 / 16 batches per epoch
        Assert.Equal(8, history.Epochs.Count);
        Assert.True(history.Epochs[^1].TrainLoss < history.Epochs[0].TrainLoss / 2,
            $"loss {history.Epochs[0].TrainLoss} -> {history.Epochs[^1].TrainLoss}");
        Assert.Equal(1.0, result.Accuracy);
        Assert.Equal(40, result.Count);
        for (int t = 0; t < 4; t++)
            for (int p = 0; p < 4; p++)
                Assert.Equal(t == p ? 10 : 0, result.ConfusionMatrix[t, p]);
        Assert.Equal(result.Accuracy, history.Epochs[^1].ValidationAccuracy!.Value, 1e-6);
        Assert.Equal(result.Loss, history.Epochs[^1].ValidationLoss!.Value, 1e-4);
        Assert.False(model.IsTraining);
    }

    [Fact]
    public void EvaluateOfAnUntrainedModelMatchesPerSampleArgmax()
    {
        Dataset data = QuadrantData(13, seed: 3);
        using Sequential model = Net(seed: 11);
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
        var expected = new int[4, 4];
        var logits = new float[4];
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            model.Predict(data.Sample(i), logits);
            int predicted = Array.IndexOf(logits, logits.Max());
            expected[data.Label(i), predicted]++;
            if (predicted == data.Label(i)) correct++;
        }

        EvaluationResult result = model.Evaluate(data, batchSize: 5);

        Assert.Equal(expected, result.ConfusionMatrix);
        Assert.Equal(correct, result.Correct);
        Assert.Equal((double)correct / 13, result.Accuracy, 12);
    }

    [Fact]
    public void HistoryExportsCsvAndJsonWithOneRowPerEpoch()
    {
        Dataset train = QuadrantData(32, seed: 4);
        using Sequential model = Net();
        model.Compile(new Sgd(0.05f, momentum: 0.9f), Loss.CrossEntropy);
        TrainingHistory history = model.Fit(train, new FitOptions { Epochs = 3, BatchSize = 8, ValidationSplit = 0.25 });

        string[] csv = history.ToCsv().TrimEnd('\n').Split('\n');
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds,images_per_second", csv[0]);
        Assert.Equal(4, csv.Length);
        string[] row = csv[2].Split(',');
        Assert.Equal("2", row[0]);
        Assert.Equal(history.Epochs[1].TrainLoss, double.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual("", row[3]); // validation from the split

        using var json = System.Text.Json.JsonDocument.Parse(history.ToJson());
        var epochs = json.RootElement.GetProperty("epochs");
        Assert.Equal(3, epochs.GetArrayLength());
        Assert.Equal(history.Epochs[2].TrainAccuracy, epochs[2].GetProperty("accuracy").GetDouble());
        Assert.Equal(0.05, epochs[0].GetProperty("learning_rate").GetDouble(), 1e-6);

        string folder = Directory.CreateTempSubdirectory("cnn-history-").FullName;
        try
        {
            history.SaveCsv(Path.Combine(folder, "h.csv"));
            history.SaveJson(Path.Combine(folder, "h.json"));
            Assert.Equal(history.ToCsv(), File.ReadAllText(Path.Combine(folder, "h.csv")));
            Assert.Equal(history.ToJson(), File.ReadAllText(Path.Combine(folder, "h.json")));
            Assert.Equal(2, Directory.GetFiles(folder).Length); // no temporary files left behind
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void EarlyStoppingEndsTrainingWhenTheMonitorStopsImproving()
    {
        Dataset train = QuadrantData(32, seed: 5);
        using Sequential model = Net();
        model.Compile(new Sgd(0f), Loss.CrossEntropy); // a zero learning rate never improves anything
        var stopper = new EarlyStopping("loss", patience: 2);

        TrainingHistory history = model.Fit(train, new FitOptions
        {
            Epochs = 10, BatchSize = 8, Shuffle = false, Callbacks = [stopper],
        });

        Assert.Equal(3, history.Epochs.Count); // epoch 1 sets the best, 2 and 3 fail to improve
        Assert.Equal(1, stopper.BestEpoch);
        Assert.Contains("did not improve for 2 epochs", history.StopReason);
    }

    [Fact]
    public void DivergenceNamesEpochAndBatchAndKeepsTheLastGoodCheckpoint()
    {
        var (images, labels) = Quadrants(32, seed: 6);
        var train = new Dataset(images, labels, new TensorShape(1, 6, 6), 4, "quadrants");
        string folder = Directory.CreateTempSubdirectory("cnn-diverge-").FullName;
        string checkpoint = Path.Combine(folder, "best.cnnm");
        try
        {
            using Sequential model = Net();
            model.Compile(new Adam(0.01f), Loss.CrossEntropy);
            var save = new ModelCheckpoint(checkpoint, monitor: "loss");
            var poison = new PoisonAfterEpoch(2, () => images[21 * 36] = float.NaN); // sample 21 lies in batch 3 of 8

            var error = Assert.Throws<TrainingDivergedException>(() => model.Fit(train, new FitOptions
            {
                Epochs = 5, BatchSize = 8, Shuffle = false, Callbacks = [save, poison],
            }));

            Assert.Equal(3, error.Epoch);
            Assert.Equal(3, error.Batch);
            Assert.Contains("epoch 3, batch 3", error.Message);
            Assert.Equal(2, error.History.Epochs.Count);
            Assert.Equal(2, save.SavedEpoch);
            using Sequential restored = Sequential.Load(checkpoint);
            float[] weights = restored.Parameters[0].Value.ToArray();
            Assert.All(weights, w => Assert.True(float.IsFinite(w)));
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class PoisonAfterEpoch(int epoch, Action poison) : TrainingCallback
    {
        public override void OnEpochEnd(Sequential model, EpochMetrics metrics, TrainingControl control)
        {
            if (metrics.Epoch == epoch) poison();
        }
    }

    [Fact]
    public void FitIsDeterministicForASeed()
    {
        Dataset train = QuadrantData(48, seed: 8);
        float[] Run()
        {
            using Sequential model = Net(seed: 5);
            model.Compile(new Sgd(0.05f, momentum: 0.9f), Loss.CrossEntropy);
            model.Fit(train, new FitOptions
            {
                Epochs = 2, BatchSize = 8, Seed = 3,
                Augmentation = new Augmentation(new RandomHorizontalFlip(), new RandomCrop(1)),
            });
            return model.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void CallerMistakesGetClearErrors()
    {
        Dataset train = QuadrantData(8, seed: 9);
        using Sequential model = Net();

        var notCompiled = Assert.Throws<InvalidOperationException>(() => model.Fit(train));
        Assert.Contains("Compile", notCompiled.Message);

        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
        var wrongShape = new Dataset(new float[8 * 25], new int[8], new TensorShape(1, 5, 5), 4, "small images");
        var shapeError = Assert.Throws<ArgumentException>(() => model.Fit(wrongShape));
        Assert.Contains("[1, 5, 5]", shapeError.Message);
        Assert.Contains("[1, 6, 6]", shapeError.Message);

        var tenClasses = new Dataset(new float[8 * 36], new int[8], new TensorShape(1, 6, 6), 10, "ten classes");
        var classError = Assert.Throws<ArgumentException>(() => model.Evaluate(tenClasses));
        Assert.Contains("10 classes", classError.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(train, new FitOptions { Epochs = 0 }));
        Assert.Throws<ArgumentException>(() => new EarlyStopping("val_precision"));
        var noValidation = Assert.Throws<InvalidOperationException>(() =>
            model.Fit(train, new FitOptions { Epochs = 1, BatchSize = 4, Callbacks = [new EarlyStopping()] }));
        Assert.Contains("validation", noValidation.Message);
    }
}
