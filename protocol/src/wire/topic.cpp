#include "pivot/protocol/topic.hpp"

#include "pivot/protocol/errors.hpp"
#include "pivot/protocol/names.hpp"

namespace pivot::protocol {

namespace {

constexpr std::string_view kEventsPrefix = "evt/";
constexpr std::string_view kCommandsPrefix = "cmd/";

std::string_view prefix_of(Channel channel) {
  return channel == Channel::events ? kEventsPrefix : kCommandsPrefix;
}

Error bad_topic(std::string_view frame, std::string_view why) {
  // Show a bounded, printable excerpt: the frame is untrusted bytes.
  std::string shown;
  for (char c : frame.substr(0, 140)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  return make_error(errc::bad_topic, "topic '" + shown + "' " + std::string(why) +
                                         " (expected evt/<cluster>/<node>/ or cmd/<cluster>/<node>/)");
}

}  // namespace

Channel channel_of(MessageType type) {
  return type == MessageType::command ? Channel::commands : Channel::events;
}

std::string make_topic(Channel channel, std::string_view cluster, std::string_view node) {
  std::string out = cluster_prefix(channel, cluster);
  out += node;
  out += '/';
  return out;
}

std::string topic_of(const Message& message) {
  return make_topic(channel_of(message.type()), message.envelope.cluster, message.envelope.node);
}

std::string cluster_prefix(Channel channel, std::string_view cluster) {
  std::string out(prefix_of(channel));
  out += cluster;
  out += '/';
  return out;
}

Result<Topic> parse_topic(std::string_view frame) {
  Topic topic;
  if (frame.starts_with(kEventsPrefix)) {
    topic.channel = Channel::events;
  } else if (frame.starts_with(kCommandsPrefix)) {
    topic.channel = Channel::commands;
  } else {
    return bad_topic(frame, "has an unknown channel");
  }
  std::string_view rest = frame.substr(kEventsPrefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return bad_topic(frame, "has no node");
  std::string_view cluster = rest.substr(0, slash);
  rest.remove_prefix(slash + 1);
  slash = rest.find('/');
  if (slash == std::string_view::npos) return bad_topic(frame, "does not end with a slash");
  std::string_view node = rest.substr(0, slash);
  if (slash + 1 != rest.size()) return bad_topic(frame, "has something after the node");
  if (!is_valid_name(cluster)) return bad_topic(frame, "has a bad cluster name");
  if (!is_valid_name(node)) return bad_topic(frame, "has a bad node name");
  topic.cluster = cluster;
  topic.node = node;
  return topic;
}

}  // namespace pivot::protocol
