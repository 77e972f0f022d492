namespace Skiff.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Out.WriteLine("skiff");
        return 0;
    }
}
