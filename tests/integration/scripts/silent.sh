#!/bin/sh
# Never writes anything: the idle timeout must end it.
sleep 30
