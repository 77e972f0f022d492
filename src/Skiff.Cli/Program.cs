namespace Skiff.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // The container's init must not touch System.Console or the CLI machinery: dispatch it first.
        if (args.Length == 1 && args[0] == "init") return Skiff.LibContainer.Init.InitEntry.Run();

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

    // os.Args[0] as runc uses it in "runc: \"create\" requires ..." (argv[0] of this process).
    private static string ProgramName()
    {
        try
        {
            byte[] cmdline = File.ReadAllBytes("/proc/self/cmdline");
            int end = Array.IndexOf(cmdline, (byte)0);
            string argv0 = System.Text.Encoding.UTF8.GetString(cmdline, 0, end < 0 ? cmdline.Length : end);
            // Under `dotnet skiff.dll` argv[0] is the host; use our own name then.
            return argv0.Length == 0 || Path.GetFileName(argv0) == "dotnet" ? App.Name : argv0;
        }
        catch (IOException)
        {
            return App.Name;
        }
    }
}
