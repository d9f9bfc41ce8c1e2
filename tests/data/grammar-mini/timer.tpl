@intents hasStartTimerIntent
@prefix [{wake},^0.3]
set a timer for {duration}
start a {duration} timer
could you set a timer for {duration} please
timer for {duration}
can you start a timer for {duration}
