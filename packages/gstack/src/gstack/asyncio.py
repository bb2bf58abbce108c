"""asyncio on the hub: every public name of ``gnet.asyncio``, re-exported.

``gstack.asyncio.run(main())`` runs a coroutine on the hub's loop, blocking
the calling greenlet only; ``gstack.asyncio.wait(awaitable)`` blocks a
greenlet until an awaitable completes; ``await gstack.asyncio.to_greenlet(f,
*args)`` runs a blocking gstack call in a greenlet. ``gstack.asyncio.X`` is
``gnet.asyncio.X`` for each name in ``gnet.asyncio.__all__``; see
``gnet.asyncio`` for how it works and its limits.
"""

from gnet.asyncio import *  # noqa: F403
from gnet.asyncio import __all__ as __all__
