# Guest job "idle": wait to be shut down from outside (at most 10 minutes).
. /lab/lib.sh
echo "GUEST-IDLE"
sleep 600
exit 0
