"""The kernel's real-time core (DESIGN.md §5): one implementation of what every Socket.IO room
kind needs, so a room kind (``/opening``, ``/evaluation``, ``/supervision``, ``/tenders``) is a
rules module plus a thin namespace.

- ``namespace``: ``AnsweringNamespace``, the base of every namespace: authentication at connect
  (token or session cookie), every event answered, refusals in the acknowledgement and as an
  error event in the connection's language.
- ``tables``: ``MessageRow`` and ``CommandRow``, the columns of a room kind's tables.
- ``rooms``: numbered rooms: ``MessageLog`` (gap-free seq, persist then broadcast, replay) and
  ``RoomNamespace`` (join with the last seq seen, leave, state, replay, one handler per command).
- ``commands``: ``CommandLog``: a command applied once per client-made ``cmd_id``.
- ``fanout``: the coalesced after-commit broadcast and ``install``; through the app's Socket.IO
  server, which uses the Redis message queue when ``REDIS_URL`` is set, so a room kind reaches
  every worker process without doing anything for it.

A new room kind: a message table (``MessageRow``) and a command table (``CommandRow``) with a
migration, a counter row per room (``last_seq``), services that lock the room, post with
``MessageLog.post`` and run commands with ``CommandLog.run_once``, and a ``RoomNamespace``
subclass answering ``admit``, ``snapshot`` and ``run``, installed by ``fanout.install``.
"""
