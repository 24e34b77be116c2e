# The routes the metadata benchmark measures, shared by bench/api.sh (Kura and the ceiling probe) and
# bench/glance.sh (Glance), so that both always time the same requests. Source it after setting $SHOW_ID and
# $DEEP_MARKER; it defines ROUTES (name -> path and query) and READS (the GET routes, in the order measured).
# Creating an image (POST /v2/images) is measured by each script with its own body.
declare -A ROUTES=(
  [list25]="/v2/images?limit=25"
  [list1000]="/v2/images?limit=1000"
  [filtered]="/v2/images?status=active&sort=name:asc&limit=100"
  [property]="/v2/images?os_distro=debian&limit=25"
  [tag]="/v2/images?tag=t7&limit=25"
  [deep]="/v2/images?limit=25&marker=$DEEP_MARKER"
  [show]="/v2/images/$SHOW_ID"
)
READS=(list25 list1000 filtered property tag deep show)
