#pragma once
// Server-sent events as a client reads them (the WHATWG rules pivotctl needs):
// bytes in, whole events out, in any split. Lines end in \n, \r\n or \r;
// "field: value" (one space after the colon dropped); data lines join with
// \n; a blank line ends an event; lines starting with ':' are comments (the
// keep-alives); an event without data is not dispatched, though its id counts.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pivot::ctl {

struct SseEvent {
  std::string id;              // the last id seen, as EventSource keeps it
  std::string type = "message";
  std::string data;
};

class SseParser {
 public:
  std::vector<SseEvent> feed(std::string_view bytes);
  // What a reconnect sends as Last-Event-ID ("" before any id).
  const std::string& last_event_id() const { return last_id_; }
  std::size_t comments() const { return comments_; }

 private:
  void line(std::string_view text, std::vector<SseEvent>& out);
  std::string line_;
  bool after_cr_ = false;  // a \r ended the last line: a \n right after it is part of that end
  std::string type_, data_;
  bool has_data_ = false;
  std::string last_id_;
  std::size_t comments_ = 0;
};

}  // namespace pivot::ctl
