namespace CnnNative;

/// <summary>
/// Idle workspaces of one batch size. Renting and returning take a short lock and allocate nothing once
/// the list has grown to the peak number of concurrent callers.
/// </summary>
internal sealed class WorkspacePool
{
    private readonly Lock _lock = new();
    private readonly List<Workspace> _idle = [];
    private bool _closed;

    /// <summary>An idle workspace, or null when every one is in use (the caller then creates one).</summary>
    public Workspace? TryRent()
    {
        lock (_lock)
        {
            if (_idle.Count == 0) return null;
            Workspace workspace = _idle[^1];
            _idle.RemoveAt(_idle.Count - 1);
            return workspace;
        }
    }

    /// <summary>Puts a workspace back for the next call, or disposes it when the pool is closed.</summary>
    public void Return(Workspace workspace)
    {
        lock (_lock)
        {
            if (!_closed)
            {
                _idle.Add(workspace);
                return;
            }
        }
        workspace.Dispose();
    }

    /// <summary>Disposes the idle workspaces; with <paramref name="close"/>, later returns are disposed too.</summary>
    public void Clear(bool close)
    {
        Workspace[] idle;
        lock (_lock)
        {
            _closed |= close;
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (Workspace workspace in idle) workspace.Dispose();
    }
}
