#pragma once
// Topics: the first ZeroMQ frame, "evt/<cluster>/<node>/" (agent -> pivotd) or
// "cmd/<cluster>/<node>/" (pivotd -> agent). The trailing slash makes ZeroMQ's
// prefix subscription exact: subscribing to cmd/c/db1/ never receives db10's.

#include <string>
#include <string_view>

#include "pivot/protocol/message.hpp"
#include "pivot/result.hpp"

namespace pivot::protocol {

// events: state, event and result; commands: command.
enum class Channel { events, commands };

struct Topic {
  Channel channel = Channel::events;
  std::string cluster;
  std::string node;
  bool operator==(const Topic&) const = default;
};

Channel channel_of(MessageType type);

// "evt/sms-1/db1/". Names are not checked here: build topics from checked names.
std::string make_topic(Channel channel, std::string_view cluster, std::string_view node);
// The topic frame a message is sent under.
std::string topic_of(const Message& message);
// "evt/sms-1/": subscribe to every node of one cluster.
std::string cluster_prefix(Channel channel, std::string_view cluster);

// errc::bad_topic unless the frame is exactly <evt|cmd>/<cluster>/<node>/ with valid names.
Result<Topic> parse_topic(std::string_view frame);

}  // namespace pivot::protocol
