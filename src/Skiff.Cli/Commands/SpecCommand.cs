using Skiff.Cli.CommandLine;
using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.Linux;

namespace Skiff.Cli.Commands;

internal sealed class SpecCommand : Command
{
    public override string Name => "spec";
    public override string Usage => "create a new specification file";
    public override string Description => """
        The spec command creates the new specification file named "config.json" for
        the bundle.

        The spec generated is just a starter file. Editing of the spec is required to
        achieve desired results. For example, the newly generated spec includes an args
        parameter that is initially set to call the "sh" command when the container is
        started. Calling "sh" may work for an ubuntu container or busybox, but will not
        work for containers that do not include the "sh" program.

        EXAMPLE:
          To run docker's hello-world container one needs to set the args parameter
        in the spec to call hello. This can be done using the sed command or a text
        editor. The following commands create a bundle for hello-world, change the
        default args parameter in the spec from "sh" to "/hello", then run the hello
        command in a new hello-world container named container1:

            mkdir hello
            cd hello
            docker pull hello-world
            docker export $(docker create hello-world) > hello-world.tar
            mkdir rootfs
            tar -C rootfs -xf hello-world.tar
            skiff spec
            sed -i 's;"sh";"/hello";' config.json
            skiff run container1

        In the run command above, "container1" is the name for the instance of the
        container that you are starting. The name you provide for the container instance
        must be unique on your host.

        When starting a container through skiff, skiff needs root privilege. If not
        already running as root, you can use sudo to give skiff root privilege. For
        example: "sudo skiff start container1" will give skiff root privilege to start the
        container on your host.

        Alternatively, you can start a rootless container, which has the ability to run
        without root privileges. For this to work, the specification file needs to be
        adjusted accordingly. You can pass the parameter --rootless to this command to
        generate a proper rootless spec file.

        Note that --rootless is not needed when you execute skiff as the root in a user namespace
        created by an unprivileged user.
        """;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("bundle", "path to the root of the bundle directory", null, "b"),
        Flag.Bool("rootless", "generate a configuration for a rootless container"),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(0, ArgCheck.Exact);
        var spec = DefaultSpec.Example();
        if (inv.Args.Bool("rootless")) DefaultSpec.ToRootless(spec, Libc.geteuid(), Libc.getegid());
        Write(inv.Args.String("bundle") ?? "", spec);
        return 0;
    }

    /// <summary>runc: chdir to the bundle, refuse an existing config.json, write MarshalIndent(spec, "", "\t")
    /// with mode 0666 (before umask) and no trailing newline. The chdir is checked, not done, so this stays
    /// usable from tests.</summary>
    internal static void Write(string bundle, RuntimeSpec.Spec spec)
    {
        string dir = bundle.Length > 0 ? bundle : ".";
        if (bundle.Length > 0)
        {
            int fd0 = Libc.open(bundle, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
            if (fd0 < 0) Check.Throw("chdir", Check.LastErrno, bundle);
            Libc.close(fd0);
        }
        string path = Path.Combine(dir, SpecLoader.ConfigFile);
        if (File.Exists(path) || Directory.Exists(path))
            throw new ContainerException($"File {SpecLoader.ConfigFile} exists. Remove it first");
        byte[] data = DefaultSpec.Serialize(spec);
        using SafeFd fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, 0x1b6);
        Libc.WriteAll(fd, data);
    }
}
