namespace DynamoOrleans.Cli.Tests.Commands;

/// <summary>
/// Just enough YAML for docker/compose.yaml: block mappings by indentation, <c>- item</c> lists and one-line
/// scalars (flow lists such as <c>command: [...]</c> stay raw text). Anchors, multi-line strings and flow
/// mappings are not read; the compose file does not use them, and a test fails if it starts to.
/// </summary>
internal sealed class ComposeFile
{
    private ComposeFile(Dictionary<string, string> values, Dictionary<string, List<string>> lists)
    {
        Values = values;
        Lists = lists;
    }

    /// <summary>Scalars by slash path, e.g. <c>services/silo-1/build/dockerfile</c>.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>Block lists by slash path, e.g. <c>services/gateway/ports</c>.</summary>
    public IReadOnlyDictionary<string, List<string>> Lists { get; }

    public IEnumerable<string> Services => Values.Keys.Concat(Lists.Keys)
        .Where(path => path.StartsWith("services/", StringComparison.Ordinal))
        .Select(path => path.Split('/')[1]).Distinct();

    public string? Get(string service, string key) => Values.GetValueOrDefault($"services/{service}/{key}");

    public static ComposeFile Read(string path)
    {
        var values = new Dictionary<string, string>();
        var lists = new Dictionary<string, List<string>>();
        var open = new List<(int Indent, string Key)>();
        foreach (var (raw, number) in File.ReadAllLines(path).Select((line, i) => (line, i + 1)))
        {
            var content = raw.TrimStart(' ');
            if (content.Length == 0 || content.StartsWith('#')) continue;
            if (content.Contains('\t') || content.StartsWith('&') || content.Contains(": |", StringComparison.Ordinal) || content.Contains("<<:", StringComparison.Ordinal))
                throw new FormatException($"{path}:{number}: beyond what ComposeFile reads: {content}");
            var indent = raw.Length - content.Length;
            if (content.StartsWith("- ", StringComparison.Ordinal))
            {
                var list = string.Join('/', open.Select(o => o.Key));
                (lists.TryGetValue(list, out var items) ? items : lists[list] = []).Add(Unquote(content[2..]));
                continue;
            }
            var colon = content.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new FormatException($"{path}:{number}: expected 'key: value': {content}");
            open.RemoveAll(o => o.Indent >= indent);
            var key = content[..colon];
            var value = content[(colon + 1)..].Trim();
            if (value.Length == 0)
                open.Add((indent, key));
            else
                values[string.Join('/', open.Select(o => o.Key).Append(key))] = Unquote(value);
        }
        return new ComposeFile(values, lists);
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\'') ? value[1..^1] : value;
}
