namespace CnnNative.Cli;

/// <summary>The process's peak resident set (VmHWM from /proc/self/status), native allocations included.</summary>
internal static class ProcessMemory
{
    public static double PeakResidentMegabytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                string kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb) / 1024.0;
            }
        }
        catch (IOException)
        {
        }
        return Environment.WorkingSet / (1024.0 * 1024.0); // no /proc: the current working set
    }
}
