# Runs first at every boot, before main.py: quiet the ROM's debug output and free what the import of the REPL left.
import gc

try:
    import esp
    esp.osdebug(None)
except ImportError:
    pass
gc.collect()
