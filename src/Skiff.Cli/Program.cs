namespace Skiff.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // The container's init must not touch System.Console or the CLI machinery: dispatch it first.
        // What each allocates at most, about (SKIFF_TRACE's alloc column): init 0.45 MiB, a create parent 0.7 MiB.
        if (args.Length == 1 && args[0] == "init")
        {
            Skiff.Linux.HeapPrefault.Run(512 << 10);
            return Skiff.LibContainer.Init.InitEntry.Run();
        }
        Skiff.Linux.HeapPrefault.Run(768 << 10);

        if (Environment.GetEnvironmentVariable(Skiff.Linux.Logging.PhaseTrace.EnvName) == "1")
        {
            Skiff.Linux.Logging.PhaseTrace.Enable(App.Name, Skiff.Linux.Libc.nsexec_start_ns());
            Skiff.Linux.Logging.PhaseTrace.MarkAt("C constructor done", Skiff.Linux.Libc.nsexec_done_ns());
            Skiff.Linux.Logging.PhaseTrace.Mark("runtime started");
        }
        App.ProgramName = ProgramName();
        using var stdout = new FdWriter(1);
        using var stderr = new FdWriter(2);
        int rc = App.Run(args, stdout, stderr);
        Skiff.Linux.Logging.PhaseTrace.Mark($"exit {rc}");
        return rc;
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
