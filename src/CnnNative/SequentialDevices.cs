namespace CnnNative;

// Moving a model between devices.
public sealed partial class Sequential
{
    /// <summary>
    /// Moves the model to <paramref name="device"/>: every parameter, buffer (batch norm's running statistics),
    /// gradient and optimizer state tensor is copied there and released where it was, so a model trained on one
    /// device goes on predicting or training on another with the same weights, optimizer moments and step. The
    /// layers' tensors stay the same objects (<c>conv.Weight</c> now lives on <paramref name="device"/>); cached
    /// activations are dropped and recreated on the new device when needed. Moving to the current device does
    /// nothing. If a tensor cannot move (e.g. the device runs out of memory), everything moved so far goes back
    /// and the exception propagates: the model stays whole on its old device. Not safe to call while another call
    /// on this model runs.
    /// </summary>
    /// <exception cref="Interop.CnnNativeException">The device cannot hold the model; the message names the device.</exception>
    public void MoveTo(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_buildLock)
        {
            Device previous = Device;
            if (ReferenceEquals(previous, device)) return;
            var oldPools = _pools;
            _pools = new();
            foreach (WorkspacePool pool in oldPools.Values) pool.Clear(close: true);
            ReleaseTrainingWorkspaces();
            try
            {
                MoveTensors(device);
            }
            catch
            {
                MoveTensors(previous); // tensors that never left are skipped; those that did come back
                throw;
            }
            Device = device;
        }
    }

    private void MoveTensors(Device device)
    {
        foreach (Layer layer in _layers) layer.MoveTo(device);
        Optimizer?.MoveTo(device);
    }
}
