"""fleetnode: the fleetstream MicroPython client for ESP32 nodes (see firmware/README.md)."""
VERSION = '0.1.0'
