"""The relay's hop header: loop detection between relays. It belongs to the relay alone: receivers
never record it (:class:`~osscb_notebook.receiver.record.CallbackRecord`), so a replay of a
recorded callback through the relay is not taken for a loop."""

RELAY_HEADER = "X-Osscb-Relay"
