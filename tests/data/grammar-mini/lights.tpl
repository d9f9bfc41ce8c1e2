@gate 1
@category out-of-scope
@prefix [{wake},^0.3]
turn (on|off) the {room} lights
what is the weather like {day}
put on some music in the {room}
turn the volume (up|down) in the {room}
dim the lights in the {room}
