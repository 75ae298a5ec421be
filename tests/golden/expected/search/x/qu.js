(self.siteSearchData=self.siteSearchData||{})["x/qu"]={"df":"01","terms":"qualiti"};
