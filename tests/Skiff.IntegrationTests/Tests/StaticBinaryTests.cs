using System.Buffers.Binary;
using System.Diagnostics;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// skiff is one static executable (src/Skiff.Cli/Skiff.Cli.csproj): no program interpreter, so nothing an environment
/// or an image supplies is loaded into it. A real LD_PRELOAD library whose constructor leaves a mark is loaded by a
/// dynamic program (the control) and ignored by skiff, by the runtime process and by `skiff init` of a container run
/// with the library in skiff's environment.
/// </summary>
public sealed class StaticBinaryTests : ContainerTest
{
    [SkiffFact]
    public void TheBinaryHasNoProgramInterpreter()
    {
        byte[] elf = File.ReadAllBytes(RepoPaths.RuntimePath);
        Assert.True(elf.AsSpan(0, 4).SequenceEqual("\u007fELF"u8), "not an ELF file");
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x20));
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x36));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x38));
        var types = new List<uint>();
        for (int i = 0; i < phnum; i++)
            types.Add(BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan((int)phoff + i * phentsize)));
        const uint PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
        Assert.Contains(PT_LOAD, types);
        Assert.DoesNotContain(PT_INTERP, types);
        Assert.DoesNotContain(PT_DYNAMIC, types);
        // the control: a dynamic program has one
        byte[] sh = File.ReadAllBytes("/bin/sh");
        ulong shPhoff = BinaryPrimitives.ReadUInt64LittleEndian(sh.AsSpan(0x20));
        int shNum = BinaryPrimitives.ReadUInt16LittleEndian(sh.AsSpan(0x38));
        int shSize = BinaryPrimitives.ReadUInt16LittleEndian(sh.AsSpan(0x36));
        Assert.Contains(Enumerable.Range(0, shNum), i => BinaryPrimitives.ReadUInt32LittleEndian(sh.AsSpan((int)shPhoff + i * shSize)) == PT_INTERP);
    }

    [SkiffFact]
    public void LdPreloadIsNotLoadedIntoSkiffOrItsInit()
    {
        string dir = Path.Combine(RepoPaths.TempRoot, "preload-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string so = Path.Combine(dir, "mark.so"), src = Path.Combine(dir, "mark.c");
        // each process that loads it creates MARK_DIR/<its pid>
        File.WriteAllText(src, """
            #include <fcntl.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <unistd.h>
            __attribute__((constructor)) static void mark(void)
            {
                char path[4096];
                const char *dir = getenv("MARK_DIR");
                if (dir == NULL)
                    return;
                snprintf(path, sizeof path, "%s/%d", dir, (int)getpid());
                close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
            }
            """);
        Run("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", so, src);

        // control: a dynamic program loads it
        string control = Path.Combine(dir, "control");
        Directory.CreateDirectory(control);
        var psi = new ProcessStartInfo("/bin/true") { UseShellExecute = false };
        psi.Environment["LD_PRELOAD"] = so;
        psi.Environment["MARK_DIR"] = control;
        using (var p = Process.Start(psi)!) p.WaitForExit();
        Assert.Single(Directory.GetFiles(control));

        // skiff, and a container's whole start (runtime, nsexec's stages, init), with the library in its environment;
        // started directly, not through the harness's shell, which would load the library itself
        string marks = Path.Combine(dir, "skiff");
        Directory.CreateDirectory(marks);
        var b = NewBundle("true");
        b.Save();
        var id = NewId("preload");
        Assert.Equal(0, RunPreloaded(so, marks, "--version"));
        Assert.Equal(0, RunPreloaded(so, marks, "--root", Rt.Root, "run", "-b", b.Dir, id));
        Assert.Empty(Directory.GetFiles(marks));
        AssertNothingLeaked(id, b);
    }

    private static int RunPreloaded(string so, string marks, params string[] args)
    {
        var psi = new ProcessStartInfo(RepoPaths.RuntimePath) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["LD_PRELOAD"] = so;
        psi.Environment["MARK_DIR"] = marks;
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), $"{string.Join(' ', args)} did not finish");
        return p.ExitCode;
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed ({p.ExitCode}): {err}");
    }
}
