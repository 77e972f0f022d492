namespace Skiff.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // The container's init must not touch System.Console or the CLI machinery: dispatch it first.
        if (args.Length == 1 && args[0] == "init")
        {
            Skiff.Linux.HeapPrefault.Run(Environment.GetEnvironmentVariable(Skiff.LibContainer.Wire.InitEnv.InitType) == "setns"
                ? 256 << 10 : 384 << 10);
            return Skiff.LibContainer.Init.InitEntry.Run();
        }
        Skiff.Linux.HeapPrefault.Run(HeapToPrefault(args));

        if (Environment.GetEnvironmentVariable(Skiff.Linux.Logging.PhaseTrace.EnvName) == "1")
        {
            Skiff.Linux.Logging.PhaseTrace.Enable(App.Name, Skiff.Linux.Libc.nsexec_start_ns());
            Skiff.Linux.Logging.PhaseTrace.MarkAt("C constructor done", Skiff.Linux.Libc.nsexec_done_ns());
            Skiff.Linux.Logging.PhaseTrace.Mark("runtime started");
        }
        App.ProgramName = ProgramName();
        using var stdout = new FdWriter(1);
        using var stderr = new FdWriter(2);
        int rc;
        try
        {
            rc = App.Run(args, stdout, stderr);
        }
        finally
        {
            // the init nsexec spawned at start for a run, create or exec that never came to use it (under the JIT,
            // `dotnet skiff.dll`, there is no nsexec and nothing was spawned)
            try { Skiff.Linux.Libc.nsexec_early_discard(); }
            catch (DllNotFoundException) { }
        }
        Skiff.Linux.Logging.PhaseTrace.Mark($"exit {rc}");
        return rc;
    }

    /// <summary>
    /// About what a call allocates after Main starts (SKIFF_TRACE's alloc column, less the ~70 KiB before Main): a
    /// populated page costs about as much as a faulted one here, so populating more than is used is waste. The
    /// first known command word decides (a container id that happens to be one only costs some more pages).
    /// </summary>
    private static int HeapToPrefault(string[] args)
    {
        foreach (string a in args)
        {
            switch (a)
            {
                case "run" or "create": return 576 << 10;
                // about 0.8 MiB with 50 containers: past the region's size the GC collects (and compacts) once
                case "list": return 576 << 10;
                case "exec": return 448 << 10;
                case "ps": return 320 << 10;
            }
        }
        return 160 << 10;
    }

    // os.Args[0] as runc uses it in "runc: \"create\" requires ..." (argv[0] of this process: NativeAOT keeps it as
    // exec'd, no /proc read needed).
    private static string ProgramName()
    {
        string[] args = Environment.GetCommandLineArgs();
        string argv0 = args.Length > 0 ? args[0] : "";
        // Under `dotnet skiff.dll` argv[0] is the host or the dll; use our own name then.
        return argv0.Length == 0 || Path.GetFileName(argv0) == "dotnet" || argv0.EndsWith(".dll", StringComparison.Ordinal)
            ? App.Name : argv0;
    }
}
