# pivot_check_pure_target(TARGET): configuring fails when TARGET links,
# directly or through any target it links, a library a pure layer must not
# use (ARCHITECTURE.md: model, rules and plan are pure; issue 13). Walks
# LINK_LIBRARIES and INTERFACE_LINK_LIBRARIES of every target reached.
set(PIVOT_IMPURE_LIBRARIES
  nlohmann_json::nlohmann_json yaml-cpp yaml-cpp::yaml-cpp Threads::Threads spdlog::spdlog spdlog::spdlog_header_only
  fmt::fmt pivot_log pivot_config Boost::boost SQLite::SQLite3 PkgConfig::ZMQ cppzmq libzmq
  PkgConfig::SYSTEMD mysqlcppconn CACHE INTERNAL "libraries the pure controller layers may not link")

function(pivot_check_pure_target target)
  set(queue ${target})
  set(seen "")
  while(queue)
    list(POP_FRONT queue current)
    if(current IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${current})
    if(NOT TARGET ${current})
      continue()
    endif()
    get_target_property(type ${current} TYPE)
    set(links "")
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(direct ${current} LINK_LIBRARIES)
      if(direct)
        list(APPEND links ${direct})
      endif()
    endif()
    get_target_property(interface ${current} INTERFACE_LINK_LIBRARIES)
    if(interface)
      list(APPEND links ${interface})
    endif()
    foreach(link IN LISTS links)
      # $<LINK_ONLY:x> and other generator expressions: the name inside.
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" link "${link}")
      if(link IN_LIST PIVOT_IMPURE_LIBRARIES)
        message(FATAL_ERROR "${target} is a pure layer but links ${link} (through ${current}): "
                            "keep JSON, YAML, threads, logging and I/O in the adapters (docs/pivotd.md, \"Targets\")")
      endif()
      list(APPEND queue ${link})
    endforeach()
  endwhile()
endfunction()
