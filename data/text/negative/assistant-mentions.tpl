# Not addressed: people talking about assistants, the assistant manager, or the gadget.
@gate 0
@hard yes
@weight 0.6
@prefix [{hes},^0.08]
my assistant will send over the contract
I asked the assistant manager and she said no
the voice assistant never understands my accent
ask your assistant to set up a call with mine
the teaching assistant graded the exams
did the assistant coach get fired?
he's been her assistant for ten years
I turned the assistant off, it kept waking up
the assistant at the front desk gave us the wrong room
my old assistant used to keep my calendar
have the assistant book the flights
she started as an assistant and now runs the place
the smart speaker lit up for no reason
I think the assistant heard us, it's blinking
the dental assistant was really nice
my assistant put it on my calendar last week
it's like having a personal assistant
his assistant said he'd call back
the assistant director yelled cut
he thinks the assistant is listening all the time
the assistant principal called about {name}
we should get one of those assistant speakers for grandma
I never use the assistant on my phone
my research assistant is looking into {topic}
