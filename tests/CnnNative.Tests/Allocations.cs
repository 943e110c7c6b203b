namespace CnnNative.Tests;

/// <summary>
/// Managed allocations of steady-state code on the calling thread, robust to the runtime's one-off bookkeeping
/// (tiered JIT finishing a method on this thread allocates a few bytes to a few KB, once, on a loaded machine):
/// the window is run several times and the smallest count is returned. Code that allocates on every call shows in
/// every window, so the minimum still catches it.
/// </summary>
internal static class Allocations
{
    public static long MinOfWindows(Action window, int windows = 3)
    {
        long min = long.MaxValue;
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            window();
            min = Math.Min(min, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return min;
    }
}
