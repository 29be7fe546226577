"""
Whole-file replacement on flash: write `<path>.tmp`, then rename over `<path>`,
so a reset mid-write leaves the old file or the new one, never half of one.
LittleFS renames over an existing file; FAT does not, so there the old file
is removed first and a reader finding only `<path>.tmp` takes it (the rename
was all that was left to do).
"""
import json
import os


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def write_bytes(path, data):
    temporary = path + '.tmp'
    with open(temporary, 'wb') as f:
        f.write(data)
    try:
        os.rename(temporary, path)
    except OSError:
        os.remove(path)
        os.rename(temporary, path)


def read_bytes(path):
    """The file's bytes, or None when there is none."""
    if not exists(path) and exists(path + '.tmp'):
        os.rename(path + '.tmp', path)
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError:
        return None


def write_json(path, value):
    write_bytes(path, json.dumps(value).encode())


def read_json(path, default=None):
    """The file's JSON, or `default` when there is none or it does not parse."""
    data = read_bytes(path)
    if data is None:
        return default
    try:
        return json.loads(data)
    except ValueError:
        return default
