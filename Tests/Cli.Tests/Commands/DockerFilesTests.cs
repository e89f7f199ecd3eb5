using System.Text.Json;
using DynamoOrleans.Cli.Commands;

namespace DynamoOrleans.Cli.Tests.Commands;

/// <summary>
/// docker/ cannot be built or run here (no Docker engine), so its command lines go through the real <c>dynamo</c>
/// parser instead: a renamed or removed flag, or a missing required one, fails these tests.
/// </summary>
public sealed class DockerFilesTests
{
    private static string DockerDir => Path.Combine(AppContext.BaseDirectory, "docker");

    private static readonly ComposeFile Compose = ComposeFile.Read(Path.Combine(DockerDir, "compose.yaml"));

    [Fact]
    public void Parse_UnknownFlag_IsAnError()
    {
        // The check the other tests rely on: the parser refuses what the commands do not define.
        Assert.NotEmpty(CommandCatalog.CreateRoot().Parse(["silo", "--redis", "redis:6379", "--model", "demo", "--no-such-flag", "1"]).Errors);
        Assert.NotEmpty(CommandCatalog.CreateRoot().Parse(["gateway", "--model-dir", "demo", "--redis"]).Errors);
    }

    [Fact]
    public void Compose_EveryDynamoServiceCommand_ParsesAsItsDockerfilesRole()
    {
        var built = Compose.Services.Where(s => Compose.Get(s, "build/dockerfile") is not null).ToList();
        Assert.Equal(["silo-1", "silo-2", "gateway"], built);
        foreach (var service in built)
        {
            var args = Command(service);
            var result = CommandCatalog.CreateRoot().Parse(args);
            Assert.True(result.Errors.Count == 0, $"{service}: {string.Join("; ", result.Errors.Select(e => e.Message))}");
            var role = Path.GetExtension(Compose.Get(service, "build/dockerfile")!).TrimStart('.');
            Assert.Equal(role, result.CommandResult.Command.Name);
            Assert.Equal("..", Compose.Get(service, "build/context"));
            Assert.True(File.Exists(Path.Combine(DockerDir, "Dockerfile." + role)), $"{service}: no docker/Dockerfile.{role}");
        }
    }

    [Fact]
    public void Compose_Silos_AdvertiseTheirServiceNameAndUseRedisOfTheFile()
    {
        var silos = Compose.Services.Where(s => Command(s) is ["silo", ..]).ToList();
        Assert.Equal(2, silos.Count);
        foreach (var silo in silos)
        {
            var args = Command(silo);
            Assert.Equal(silo, Flag(args, "--advertise-address"));
            Assert.Equal(silo, Flag(args, "--node"));
            Assert.Equal("0.0.0.0", Flag(args, "--host"));
            Assert.Contains(Flag(args, "--port")!, string.Join(' ', Healthcheck(silo)), StringComparison.Ordinal);
        }
        foreach (var service in Compose.Services.Where(s => Command(s) is ["silo", ..] or ["gateway", ..]))
        {
            var redis = Flag(Command(service), "--redis")!;
            Assert.Contains(redis.Split(':')[0], Compose.Services);
            Assert.Equal("redis:7", Compose.Get(redis.Split(':')[0], "image"));
            Assert.Contains("dynamo-cache:/cache", Compose.Lists[$"services/{service}/volumes"]);
        }
    }

    [Fact]
    public void Compose_Gateway_PublishesItsPortAndChecksHealth()
    {
        var args = Command("gateway");
        var port = Flag(args, "--port")!;
        Assert.Equal("0.0.0.0", Flag(args, "--host"));
        Assert.Contains($"{port}:{port}", Compose.Lists["services/gateway/ports"]);
        var check = string.Join(' ', Healthcheck("gateway"));
        Assert.Contains($"/dev/tcp/127.0.0.1/{port}", check, StringComparison.Ordinal);
        Assert.Contains("GET /health ", check, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("gateway")]
    public void Dockerfile_EntrypointAndCmd_RunDynamoWithFlagsItParses(string role)
    {
        var lines = File.ReadAllLines(Path.Combine(DockerDir, "Dockerfile." + role));
        string[] Instruction(string name) =>
            JsonSerializer.Deserialize<string[]>(lines.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..])!;

        var entrypoint = Instruction("ENTRYPOINT");
        Assert.Equal("dotnet", entrypoint[0]);
        // The published assembly: Cli's AssemblyName, as built beside these tests.
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, entrypoint[1])), entrypoint[1]);
        Assert.Contains(lines, l => l.Contains("dotnet publish Cli/Cli.csproj", StringComparison.Ordinal));

        var result = CommandCatalog.CreateRoot().Parse(Instruction("CMD"));
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        Assert.Equal(role, result.CommandResult.Command.Name);
    }

    private static string[] Command(string service) =>
        Compose.Get(service, "command") is { } command ? JsonSerializer.Deserialize<string[]>(command)! : [];

    private static string[] Healthcheck(string service) => JsonSerializer.Deserialize<string[]>(Compose.Get(service, "healthcheck/test")!)!;

    private static string? Flag(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
