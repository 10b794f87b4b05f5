"""``updated_at`` that every write moves, for the staff API's incremental sync.

Django's ``auto_now`` is set by ``save()``, but a partial save
(``save(update_fields=[...])``) writes only the fields it names, and a bulk
``.update()`` skips ``save()`` altogether: either would change a row that a
sync (``changed_since``, the ``after`` cursor) then never sees again. Models
read by a sync call ``stamped`` in their ``save``; bulk updates on them set
``updated_at=timezone.now()`` themselves.
"""


def stamped(kwargs, field="updated_at"):
    """``save()``'s keyword arguments, with ``field`` among any ``update_fields``."""
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and field not in update_fields:
        kwargs["update_fields"] = {*update_fields, field}
    return kwargs
