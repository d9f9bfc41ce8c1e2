@gate 0
did you remember to pick up {item} {day}
I think we should leave {day}, (right|okay)
the {room} is a mess again, (honestly|seriously)
(she|he) said {item} was (fine|cheap|gone) {day}
we watched a film about (space|sharks|trains) {day}
(he|she) told me the bus was late {day}
can you grab {item} on your way home
could you ask {person} about {day}
