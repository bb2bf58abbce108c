"""The 0.13 ``gevent.monkey`` module: every public name of ``gmonkey``, re-exported.

``patch_all()``, ``patch_socket()``, ``patch_dns()``, ``patch_ssl()``,
``patch_time()``, ``patch_select()``, ``patch_thread()``, ``patch_os()``,
``patch_subprocess()``, ``patch_signal()``, ``patch_queue()``,
``get_original()``, ``is_module_patched()``, ``is_object_patched()``:
``gstack.monkey.X`` is ``gmonkey.X`` for each name in ``gmonkey.__all__``;
see ``gmonkey`` for the documentation. ``python -m gmonkey script.py`` runs a
program with everything patched.
"""

from gmonkey import *  # noqa: F403
from gmonkey import __all__ as __all__

if __name__ == "__main__":   # python -m gstack.monkey [options] script.py: as python -m gmonkey
    from gmonkey.__main__ import main

    main()
