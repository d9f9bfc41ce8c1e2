# Not addressed: people talking about assistants, the assistant manager, or the gadget.
@gate 0
@hard yes
@weight 0.6
@prefix [{hes},^0.08]
my assistant will send over the (contract|slides|invoice)
I asked the assistant manager and (she|he) said no
the voice assistant never understands my accent
ask your assistant to set up a call with mine
the teaching assistant graded the (exams|essays|labs)
did the assistant coach get fired?
he's been her assistant for {number} years
I turned the assistant off, it kept waking up
the assistant at the front desk gave us the wrong room
my old assistant used to keep my calendar
have the assistant book the flights to {place}
she started as an assistant and now runs the place
the smart speaker lit up for no reason
I think the assistant heard us, it's blinking
the dental assistant was really nice
my assistant put {event} on my calendar last week
it's like having a personal assistant
his assistant said he'd call back {date}
the assistant director yelled cut
he thinks the assistant is listening all the time
the assistant principal called about {name}
we should get one of those assistant speakers for (grandma|my parents|the office)
I never use the assistant on my phone
my research assistant is looking into {topic}
(ugh|wow), the assistant just started playing music by itself
{name} hired a new assistant, she seems great
does your assistant handle your travel too?
the store assistant said they'd have more {item} on {day}
I told the assistant to set a timer and it called my sister instead
the legal assistant needs the forms by {day}
honestly, the assistant on the new phone is worse than the old one
she's the assistant editor on the new book
