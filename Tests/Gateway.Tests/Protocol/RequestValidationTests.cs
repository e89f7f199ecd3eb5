using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Protocol;

namespace DynamoOrleans.Gateway.Tests.Protocol;

public sealed class RequestValidationTests
{
    private static readonly GatewayOptions Limits = new();

    private static ApiError ChatError(string json) =>
        Assert.Throws<ApiError>(() => ChatCompletionRequestReader.Read(JsonNode.Parse(json)!.AsObject(), Limits));

    private static ChatCompletionRequest Chat(string json) => ChatCompletionRequestReader.Read(JsonNode.Parse(json)!.AsObject(), Limits);

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"m"}""", "messages")]
    [InlineData("""{"model":"m","messages":[]}""", "messages")]
    [InlineData("""{"model":"m","messages":"hi"}""", "messages")]
    [InlineData("""{"model":"m","messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":5}]}""", "messages[0].content")]
    [InlineData("""{"model":"m","messages":[{"role":"tool","content":"x"}]}""", "messages[0].tool_call_id")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":3}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"top_p":1e-300}""", "top_p")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"top_k":-2}""", "top_k")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":1e30}""", "max_tokens")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":1.5}""", "max_tokens")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"n":1000}""", "n")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":[1]}""", "stop")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"5":10}}""", "logit_bias")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"top_logprobs":3}""", "top_logprobs")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}""", "tool_choice")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}""", "stream_options")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""", "response_format")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages[0].content[0].type")]
    public void Read_InvalidField_400NamingIt(string json, string param)
    {
        var error = ChatError(json);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void Read_FullRequest_MapsEveryField()
    {
        var request = Chat("""
            {"model":"m","messages":[{"role":"developer","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"42"}],
             "max_completion_tokens":7,"temperature":0.5,"top_p":0.9,"top_k":40,"min_p":0.1,"seed":5,"stop":"END",
             "stop_token_ids":[9],"n":2,"presence_penalty":0.5,"frequency_penalty":-0.5,"repetition_penalty":1.1,
             "logprobs":true,"top_logprobs":3,"ignore_eos":true,"min_tokens":2,"user":"u","stream":true,"stream_options":{"include_usage":true},
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"f"}},
             "chat_template_kwargs":{"enable_thinking":false}}
            """);
        var g = request.Generation;
        Assert.Equal((7, 0.5f, 0.9f, 40, 0.1f, 5L, 2), (g.MaxTokens!.Value, g.Temperature, g.TopP, g.TopK, g.MinP, g.Seed!.Value, g.N));
        Assert.Equal(["END"], g.Stop);
        Assert.Equal([9], g.StopTokenIds);
        Assert.Equal(3, g.Logprobs);
        Assert.True(g.IgnoreEos && g.Stream && g.IncludeUsage);
        Assert.Equal(ToolChoiceMode.Named, request.ToolChoice);
        Assert.Equal("f", request.NamedTool);
        Assert.Equal("system", request.Messages[0]!["role"]!.GetValue<string>());
        Assert.Equal("ab", request.Messages[0]!["content"]!.GetValue<string>());
        Assert.Equal(1, request.Messages[1]!["tool_calls"]![0]!["function"]!["arguments"]!["x"]!.GetValue<int>());
        Assert.False(request.TemplateVariables["enable_thinking"]!.GetValue<bool>());
    }

    [Fact]
    public void Read_ToolChoiceNone_ToolsInactive()
    {
        var request = Chat("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"}""");
        Assert.False(request.ToolsActive);
    }

    [Fact]
    public void Completions_PromptForms_AllAccepted()
    {
        static CompletionRequest Read(string json) => CompletionRequestReader.Read(JsonNode.Parse(json)!.AsObject(), Limits);
        Assert.Equal("hi", Read("""{"model":"m","prompt":"hi"}""").Prompts[0].Text);
        Assert.Equal([1, 2], Read("""{"model":"m","prompt":[1,2]}""").Prompts[0].TokenIds!);
        Assert.Equal(2, Read("""{"model":"m","prompt":["a","b"]}""").Prompts.Count);
        Assert.Equal(2, Read("""{"model":"m","prompt":[[1],[2,3]]}""").Prompts.Count);
        Assert.Equal("best_of", Assert.Throws<ApiError>(() => Read("""{"model":"m","prompt":"x","best_of":3}""")).Param);
        Assert.Equal("suffix", Assert.Throws<ApiError>(() => Read("""{"model":"m","prompt":"x","suffix":"y"}""")).Param);
    }

    [Fact]
    public void SamplingFactory_PromptTooLong_400ContextLengthExceeded()
    {
        var card = new ModelCard("m", 100, 16, 1000, [2]);
        var options = new GenerationOptions { Model = "m" };
        Assert.Equal("context_length_exceeded", Assert.Throws<ApiError>(() => SamplingFactory.Create(options, 100, card, true)).Code);
        Assert.Equal("context_length_exceeded", Assert.Throws<ApiError>(() => SamplingFactory.Create(options with { MaxTokens = 50 }, 60, card, true)).Code);
        Assert.Equal(40, SamplingFactory.Create(options, 60, card, fillContext: true).MaxTokens);
        Assert.Equal(16, SamplingFactory.Create(options, 60, card, fillContext: false).MaxTokens);
        Assert.Equal(8L, SamplingFactory.Create(options with { Seed = 5 }, 60, card, true, choiceIndex: 3).Seed);
    }
}
