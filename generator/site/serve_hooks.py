"""MkDocs hooks of `digest serve` (given to MkDocs' `hooks` option by serve.py): MkDocs loads
this file by its path, so the state lives in generator.site.serve, which these calls reach."""

from generator.site import serve as _serve


def on_serve(server, config, builder):
    return _serve._preview.on_serve(server, config, builder) if _serve._preview else server


def on_pre_build(config):
    if _serve._preview:
        _serve._preview.on_pre_build(config)


def on_env(env, config, files):
    return _serve._preview.on_env(env, config, files) if _serve._preview else env


def on_post_build(config):
    if _serve._preview:
        _serve._preview.on_post_build(config)


def on_shutdown():
    if _serve._preview:
        _serve._preview.on_shutdown()
