using System.Text;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.Tests.Unit;

public class PhoenixFrameParserTests
{
    private static bool Parse(string text, out PhoenixFrame frame, out string? error) =>
        PhoenixFrameParser.TryParse(Encoding.UTF8.GetBytes(text), out frame, out error);

    [Fact]
    public void Join_frame_is_read_field_by_field()
    {
        Assert.True(Parse("""["3","3","room:lobby","phx_join",{"token":"x"}]""", out var frame, out var error));
        Assert.Null(error);
        Assert.Equal("3", frame.JoinRef);
        Assert.Equal("3", frame.Ref);
        Assert.Equal("room:lobby", frame.Topic);
        Assert.Equal("phx_join", frame.Event);
        Assert.Equal("""{"token":"x"}""", Encoding.UTF8.GetString(frame.Payload.Span));
    }

    [Fact]
    public void Heartbeat_with_null_join_ref_is_valid()
    {
        Assert.True(Parse("""[null,"5","phoenix","heartbeat",{}]""", out var frame, out _));
        Assert.Null(frame.JoinRef);
        Assert.Equal("5", frame.Ref);
    }

    [Theory]
    [InlineData("not json", "frame is not valid JSON")]
    [InlineData("{}", "frame must be a JSON array [join_ref, ref, topic, event, payload]")]
    [InlineData("""["1","1","t","e"]""", "payload must be a JSON object")]
    [InlineData("""["1","1","t","e",{},"extra"]""", "frame must have exactly five elements")]
    [InlineData("""["1","1","t","e",[]]""", "payload must be a JSON object")]
    [InlineData("""[1.5e3,{},"t","e",{}]""", "join_ref and ref must be strings or null")]
    [InlineData("""["1","1",7,"e",{}]""", "topic and event must be strings")]
    [InlineData("""["1","1","t",null,{}]""", "topic and event must be strings")]
    [InlineData("""["1","1","t","e",{}] []""", "frame is not valid JSON")]
    [InlineData("""["1","1","t","e",{"a":""", "frame is not valid JSON")]
    [InlineData("", "frame is not valid JSON")]
    public void Malformed_frames_are_refused_with_a_reason(string text, string reason)
    {
        Assert.False(Parse(text, out _, out var error));
        Assert.Equal(reason, error);
    }

    [Fact]
    public void Refs_survive_a_bad_payload_so_the_error_can_be_replied()
    {
        Assert.False(Parse("""["1","9","room","phx_join","oops"]""", out var frame, out _));
        Assert.Equal("9", frame.Ref);
        Assert.Equal("room", frame.Topic);
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_refused()
    {
        var bytes = Encoding.UTF8.GetBytes("""["1","1","t","e",{}]""");
        bytes[6] = 0xFF; // inside the topic string
        Assert.False(PhoenixFrameParser.TryParse(bytes, out _, out var error));
        Assert.Equal("frame is not valid JSON", error);
    }
}
