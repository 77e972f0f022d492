namespace Skiff.LibContainer;

/// <summary>runc's container states, as printed by `state` and `list`.</summary>
public enum ContainerStatus
{
    Creating, Created, Running, Paused, Stopped,
}

public static class ContainerStatusText
{
    public static string Text(this ContainerStatus s) => s switch
    {
        ContainerStatus.Creating => "creating",
        ContainerStatus.Created => "created",
        ContainerStatus.Running => "running",
        ContainerStatus.Paused => "paused",
        _ => "stopped",
    };
}
